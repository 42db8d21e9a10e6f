package analytics

import (
	"math/bits"
	"sort"
)

// AssocRule is a "bought together" rule: baskets with all of If also hold
// Then, with the rule's support (share of baskets with both), confidence
// (share of If baskets that hold Then) and lift.
type AssocRule struct {
	If         []int
	Then       int
	Support    float64
	Confidence float64
	Lift       float64
}

// itemSet is a frequent itemset (sorted item ids) and its baskets.
type itemSet struct {
	items []int
	tids  []uint64
	count int
}

func popcount(b []uint64) int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// AssociationRules mines rules with a single item as consequent from
// baskets of item ids (0..items-1) by Apriori: itemsets whose support
// (count ÷ baskets) is at least minSupport, and the rules among them with
// at least minConfidence; maxLen bounds the itemset size (0: 10).
func AssociationRules(baskets [][]int, items int, minSupport, minConfidence float64, maxLen int) []AssocRule {
	if maxLen <= 0 {
		maxLen = 10
	}
	n := len(baskets)
	words := (n + 63) / 64
	col := make([][]uint64, items)
	for i := range col {
		col[i] = make([]uint64, words)
	}
	for t, b := range baskets {
		for _, it := range b {
			col[it][t/64] |= 1 << (t % 64)
		}
	}
	frequent := func(c int) bool { return float64(c)/float64(n) >= minSupport }
	counts := map[string]int{}
	key := func(items []int) string {
		b := make([]byte, 0, len(items)*2)
		for _, it := range items {
			b = append(b, byte(it>>8), byte(it))
		}
		return string(b)
	}
	var level []itemSet
	for i := range items {
		if c := popcount(col[i]); frequent(c) {
			level = append(level, itemSet{[]int{i}, col[i], c})
			counts[key([]int{i})] = c
		}
	}
	var all []itemSet
	for size := 2; size <= maxLen && len(level) > 1; size++ {
		var next []itemSet
		for a := 0; a < len(level); a++ {
			for b := a + 1; b < len(level); b++ {
				x, y := level[a].items, level[b].items
				same := true
				for k := 0; k < size-2; k++ {
					if x[k] != y[k] {
						same = false
						break
					}
				}
				if !same {
					break // the level is sorted: no later set shares the prefix
				}
				cand := append(append([]int(nil), x...), y[size-2])
				// Every subset one smaller must be frequent.
				ok := true
				for drop := 0; drop < size-2 && ok; drop++ {
					sub := append(append([]int(nil), cand[:drop]...), cand[drop+1:]...)
					_, ok = counts[key(sub)]
				}
				if !ok {
					continue
				}
				tids := make([]uint64, words)
				for w := range tids {
					tids[w] = level[a].tids[w] & col[y[size-2]][w]
				}
				if c := popcount(tids); frequent(c) {
					next = append(next, itemSet{cand, tids, c})
					counts[key(cand)] = c
				}
			}
		}
		sort.Slice(next, func(i, j int) bool {
			for k := range next[i].items {
				if next[i].items[k] != next[j].items[k] {
					return next[i].items[k] < next[j].items[k]
				}
			}
			return false
		})
		all = append(all, next...)
		level = next
	}
	var out []AssocRule
	for _, s := range all {
		for k, then := range s.items {
			lhs := append(append([]int(nil), s.items[:k]...), s.items[k+1:]...)
			conf := float64(s.count) / float64(counts[key(lhs)])
			if conf < minConfidence {
				continue
			}
			out = append(out, AssocRule{If: lhs, Then: then, Support: float64(s.count) / float64(n), Confidence: conf,
				Lift: conf / (float64(counts[key([]int{then})]) / float64(n))})
		}
	}
	return out
}
