package dedupe

import (
	"hash/maphash"
	"slices"
	"sort"
	"strings"
)

// Index holds records for a scan over a whole customer base. Each record is
// kept folded and packed in one string (about a hundred bytes a customer), and
// blocking works one kind of key at a time, so memory stays a small multiple
// of the base rather than of the pairs compared.
type Index struct {
	ids  []int64
	data []string
	seed maphash.Seed
}

// packed field order; sep never occurs in folded text.
const (
	fFirst = iota
	fLast
	fEmail
	fPhone
	fStreetNumber
	fStreet
	fCity
	fPostcode
	fRegion
	fBirth
	fIdentifier
	numFields
)

const sep = "\x1f"

// NewIndex returns an empty index.
func NewIndex() *Index { return &Index{seed: maphash.MakeSeed()} }

// Len is the number of records added.
func (x *Index) Len() int { return len(x.ids) }

// Add puts a record in the index.
func (x *Index) Add(r Record) {
	n := normalize(r)
	var f [numFields]string
	f[fFirst], f[fLast], f[fEmail], f[fPhone] = n.first, n.last, n.Email, n.Phone
	f[fStreetNumber], f[fStreet], f[fCity], f[fPostcode] = n.StreetNumber, n.street, n.city, n.Postcode
	f[fRegion], f[fBirth], f[fIdentifier] = n.Region, n.BirthDate, n.Identifier
	for i := range f {
		f[i] = strings.ReplaceAll(f[i], sep, " ")
	}
	x.ids = append(x.ids, r.ID)
	x.data = append(x.data, strings.Join(f[:], sep))
}

// unpack rebuilds the normalized record i; its strings share the packed one.
func (x *Index) unpack(i int) normalized {
	var f [numFields]string
	s := x.data[i]
	for k := 0; k < numFields-1; k++ {
		j := strings.Index(s, sep)
		f[k], s = s[:j], s[j+1:]
	}
	f[numFields-1] = s
	return normalized{Record: Record{ID: x.ids[i], Email: f[fEmail], Phone: f[fPhone], StreetNumber: f[fStreetNumber],
		Postcode: f[fPostcode], Region: f[fRegion], BirthDate: f[fBirth], Identifier: f[fIdentifier]},
		first: f[fFirst], last: f[fLast], street: f[fStreet], city: f[fCity]}
}

type entry struct {
	hash uint64
	idx  uint32
}

// Stats says how much work a search did.
type Stats struct {
	Records     int
	Comparisons int
	Pairs       int
}

// Pairs compares the records that share a blocking key and returns those
// scoring at least threshold, best first.
func (x *Index) Pairs(threshold float64) ([]Pair, Stats) {
	st := Stats{Records: len(x.ids)}
	found := map[[2]int64]Pair{}
	var entries []entry
	for g := range numGroups {
		entries = entries[:0]
		for i := range x.ids {
			for _, k := range groupKeys(x.unpack(i), g) {
				entries = append(entries, entry{hash: maphash.String(x.seed, k), idx: uint32(i)})
			}
		}
		slices.SortFunc(entries, func(a, b entry) int {
			switch {
			case a.hash < b.hash:
				return -1
			case a.hash > b.hash:
				return 1
			}
			return int(a.idx) - int(b.idx)
		})
		for start := 0; start < len(entries); {
			end := start + 1
			for end < len(entries) && entries[end].hash == entries[start].hash {
				end++
			}
			switch n := end - start; {
			case n < 2 || n > maxBlock:
			case n <= smallBlock:
				st.Comparisons += x.compareBlock(entries[start:end], threshold, found)
			default:
				st.Comparisons += x.compareWindow(entries[start:end], g, threshold, found)
			}
			start = end
		}
	}
	pairs := make([]Pair, 0, len(found))
	for _, p := range found {
		pairs = append(pairs, p)
	}
	sortPairs(pairs)
	st.Pairs = len(pairs)
	return pairs, st
}

func (x *Index) compareBlock(block []entry, threshold float64, found map[[2]int64]Pair) int {
	norms := make([]normalized, len(block))
	for i, e := range block {
		norms[i] = x.unpack(int(e.idx))
	}
	n := 0
	for i := range block {
		for j := i + 1; j < len(block); j++ {
			if block[i].idx == block[j].idx {
				continue
			}
			a, b := x.ids[block[i].idx], x.ids[block[j].idx]
			if a > b {
				a, b = b, a
			}
			if _, ok := found[[2]int64{a, b}]; ok {
				continue
			}
			n++
			s, reasons := score(norms[i], norms[j])
			if s >= threshold {
				found[[2]int64{a, b}] = Pair{A: a, B: b, Score: s, Reasons: reasons}
			}
		}
	}
	return n
}

// A block up to smallBlock records is compared pair by pair. A larger one
// (a common name, a busy street) is sorted by what its members do not
// share and each record is compared with its window nearest neighbours,
// so its cost grows with its size rather than with its square.
const (
	smallBlock = 40
	window     = 10
)

// secondaryKey orders the members of a large block of group g so that
// records agreeing on the fields outside the block's key come together.
func secondaryKey(n normalized, g int) string {
	switch g {
	case gName:
		return n.Postcode + "|" + n.BirthDate + "|" + n.street + "|" + n.Phone + "|" + n.Email
	case gAddress:
		return n.last + "|" + n.first + "|" + n.Postcode
	case gLastPostcode, gLastYear:
		return n.first + "|" + n.BirthDate + "|" + n.street
	case gFirstPostcode, gFirstYear:
		return n.last + "|" + n.BirthDate + "|" + n.street
	}
	return n.last + "|" + n.first + "|" + n.Postcode
}

func (x *Index) compareWindow(block []entry, g int, threshold float64, found map[[2]int64]Pair) int {
	type member struct {
		n   normalized
		key string
	}
	ms := make([]member, len(block))
	for i, e := range block {
		n := x.unpack(int(e.idx))
		ms[i] = member{n: n, key: secondaryKey(n, g)}
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].key < ms[j].key })
	count := 0
	for i := range ms {
		for j := i + 1; j < len(ms) && j <= i+window; j++ {
			a, b := ms[i].n.ID, ms[j].n.ID
			if a == b {
				continue
			}
			if a > b {
				a, b = b, a
			}
			if _, ok := found[[2]int64{a, b}]; ok {
				continue
			}
			count++
			if s, reasons := score(ms[i].n, ms[j].n); s >= threshold {
				found[[2]int64{a, b}] = Pair{A: a, B: b, Score: s, Reasons: reasons}
			}
		}
	}
	return count
}

func sortPairs(pairs []Pair) {
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].Score != pairs[j].Score {
			return pairs[i].Score > pairs[j].Score
		}
		if pairs[i].A != pairs[j].A {
			return pairs[i].A < pairs[j].A
		}
		return pairs[i].B < pairs[j].B
	})
}
