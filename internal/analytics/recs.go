package analytics

import (
	"math"
	"sort"
)

// Neighbour is an item similar to another: Score is the cosine similarity
// of their buyer sets, Together the number of customers who bought both.
type Neighbour struct {
	Item     int
	Score    float64
	Together int
}

// ItemNeighbours finds each item's k most similar items from purchase
// histories (the distinct item ids, 0..items-1, each customer bought).
// Similarity is the cosine of the two items' buyer sets; pairs bought
// together by fewer than minTogether customers are left out, so one
// shared basket never makes a recommendation. The work is the sum over
// customers of their distinct items squared, and memory one counter per
// item.
func ItemNeighbours(histories [][]int, items, k, minTogether int) [][]Neighbour {
	if minTogether < 1 {
		minTogether = 1
	}
	buyers := make([][]int32, items)
	for u, h := range histories {
		for _, it := range h {
			buyers[it] = append(buyers[it], int32(u))
		}
	}
	out := make([][]Neighbour, items)
	co := make([]int32, items)
	var touched []int
	for i := range items {
		if len(buyers[i]) == 0 {
			continue
		}
		touched = touched[:0]
		for _, u := range buyers[i] {
			for _, j := range histories[u] {
				if j == i {
					continue
				}
				if co[j] == 0 {
					touched = append(touched, j)
				}
				co[j]++
			}
		}
		ns := make([]Neighbour, 0, len(touched))
		ni := float64(len(buyers[i]))
		for _, j := range touched {
			if c := int(co[j]); c >= minTogether {
				ns = append(ns, Neighbour{Item: j, Together: c, Score: float64(c) / math.Sqrt(ni*float64(len(buyers[j])))})
			}
			co[j] = 0
		}
		sort.Slice(ns, func(a, b int) bool {
			if ns[a].Score != ns[b].Score {
				return ns[a].Score > ns[b].Score
			}
			return ns[a].Item < ns[b].Item
		})
		if len(ns) > k {
			ns = ns[:k]
		}
		out[i] = ns
	}
	return out
}

// Recommendation is an item suggested to a customer, with the owned item
// that contributed most to it (Because; -1 when it comes from popularity).
type Recommendation struct {
	Item    int
	Score   float64
	Because int
}

// Owned is one item of a customer's history for scoring: how much it
// counts (1 for a plain history; more for items bought often or lately).
type Owned struct {
	Item   int
	Weight float64
}

// Recommend scores items for a customer who owns the given items: the sum
// over owned items of weight × similarity. eligible filters candidates
// (stock, one-time products already owned, inactive products); boost
// multiplies a candidate's score (the customer's preferred categories).
// Either may be nil. The n best come back, best first; ties go to the
// lower item id so results are stable.
func Recommend(owned []Owned, neighbours func(item int) []Neighbour, eligible func(item int) bool,
	boost func(item int) float64, n int) []Recommendation {
	type acc struct {
		score, best float64
		because     int
	}
	scores := map[int]*acc{}
	for _, o := range owned {
		for _, nb := range neighbours(o.Item) {
			s := o.Weight * nb.Score
			a := scores[nb.Item]
			if a == nil {
				a = &acc{because: o.Item}
				scores[nb.Item] = a
			}
			a.score += s
			if s > a.best {
				a.best, a.because = s, o.Item
			}
		}
	}
	recs := make([]Recommendation, 0, len(scores))
	for it, a := range scores {
		if eligible != nil && !eligible(it) {
			continue
		}
		s := a.score
		if boost != nil {
			s *= boost(it)
		}
		recs = append(recs, Recommendation{Item: it, Score: s, Because: a.because})
	}
	sort.Slice(recs, func(a, b int) bool {
		if recs[a].Score != recs[b].Score {
			return recs[a].Score > recs[b].Score
		}
		return recs[a].Item < recs[b].Item
	})
	if len(recs) > n {
		recs = recs[:n]
	}
	return recs
}

// Popular ranks items by how many customers bought them (ties: lower id).
func Popular(histories [][]int, items int) []int {
	count := make([]int, items)
	for _, h := range histories {
		for _, it := range h {
			count[it]++
		}
	}
	order := make([]int, 0, items)
	for i, c := range count {
		if c > 0 {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return count[order[a]] > count[order[b]] })
	return order
}
