package support

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode"
)

// Classifier suggests a category for a case from its text: a linear model
// (multinomial logistic regression) over words, word pairs and character
// n-grams weighted by TF-IDF, trained on past cases. It is small, trains in
// seconds and explains nothing it does not know: below MinConfidence it
// suggests nothing.
type Classifier struct {
	Labels  []string
	Vocab   map[string]int32
	IDF     []float32
	Weights []float32 // len(Vocab) × len(Labels), feature-major
	Bias    []float32
	// MinConfidence is the probability below which Suggest stays silent.
	MinConfidence float64
}

// Example is one labelled text for training.
type Example struct {
	Text  string
	Label string
}

// Suggestion is the classifier's guess for a text.
type Suggestion struct {
	Category   string
	Confidence float64
}

// TrainOptions tune training; the zero value is a good default.
type TrainOptions struct {
	Epochs     int
	MinCount   int // features seen fewer times are dropped
	Seed       uint64
	LearnRate  float64
	L2         float64
	Confidence float64
}

// features returns the features of a text: lower-cased words, pairs of
// neighbouring words, and the character 2- to 5-grams of each word with
// its boundaries.
func features(text string) []string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
	out := make([]string, 0, len(words)*12)
	prev := "<s>"
	for _, w := range words {
		w = strings.Trim(w, "'")
		if w == "" {
			continue
		}
		out = append(out, "w "+w, "b "+prev+" "+w)
		prev = w
		padded := []rune(" " + w + " ")
		for n := 2; n <= 5; n++ {
			for i := 0; i+n <= len(padded); i++ {
				out = append(out, "c "+string(padded[i:i+n]))
			}
		}
	}
	return append(out, "b "+prev+" </s>")
}

type sparse struct {
	idx []int32
	val []float32
}

// vector turns a text into its normalised TF-IDF vector.
func (c *Classifier) vector(text string) sparse {
	counts := map[int32]float32{}
	for _, f := range features(text) {
		if i, ok := c.Vocab[f]; ok {
			counts[i]++
		}
	}
	v := sparse{idx: make([]int32, 0, len(counts)), val: make([]float32, 0, len(counts))}
	var norm float64
	for i, n := range counts {
		x := (1 + float32(math.Log(float64(n)))) * c.IDF[i]
		v.idx = append(v.idx, i)
		v.val = append(v.val, x)
		norm += float64(x * x)
	}
	if norm > 0 {
		inv := float32(1 / math.Sqrt(norm))
		for k := range v.val {
			v.val[k] *= inv
		}
	}
	return v
}

func (c *Classifier) scores(v sparse, out []float64) {
	k := len(c.Labels)
	for j := range out {
		out[j] = float64(c.Bias[j])
	}
	for n, i := range v.idx {
		x := float64(v.val[n])
		row := c.Weights[int(i)*k : int(i)*k+k]
		for j, w := range row {
			out[j] += x * float64(w)
		}
	}
	softmax(out)
}

func softmax(s []float64) {
	m := slices.Max(s)
	var sum float64
	for j := range s {
		s[j] = math.Exp(s[j] - m)
		sum += s[j]
	}
	for j := range s {
		s[j] /= sum
	}
}

// Train fits a classifier to the examples.
func Train(examples []Example, opt TrainOptions) (*Classifier, error) {
	if opt.Epochs == 0 {
		opt.Epochs = 12
	}
	if opt.MinCount == 0 {
		opt.MinCount = 2
	}
	if opt.LearnRate == 0 {
		opt.LearnRate = 0.5
	}
	if opt.L2 == 0 {
		opt.L2 = 1e-6
	}
	if opt.Confidence == 0 {
		opt.Confidence = 0.3
	}
	labelIdx := map[string]int{}
	var labels []string
	for _, e := range examples {
		if _, ok := labelIdx[e.Label]; !ok && e.Label != "" {
			labelIdx[e.Label] = len(labels)
			labels = append(labels, e.Label)
		}
	}
	if len(labels) < 2 {
		return nil, fmt.Errorf("classifier: need examples of at least two categories, have %d", len(labels))
	}
	// Vocabulary and document frequencies.
	df := map[string]int{}
	for _, e := range examples {
		seen := map[string]bool{}
		for _, f := range features(e.Text) {
			if !seen[f] {
				seen[f] = true
				df[f]++
			}
		}
	}
	c := &Classifier{Labels: labels, Vocab: map[string]int32{}, MinConfidence: opt.Confidence}
	keys := make([]string, 0, len(df))
	for f, n := range df {
		if n >= opt.MinCount {
			keys = append(keys, f)
		}
	}
	slices.Sort(keys)
	c.IDF = make([]float32, len(keys))
	docs := float64(len(examples))
	for i, f := range keys {
		c.Vocab[f] = int32(i)
		c.IDF[i] = float32(math.Log((1+docs)/(1+float64(df[f]))) + 1)
	}
	k := len(labels)
	c.Weights = make([]float32, len(keys)*k)
	c.Bias = make([]float32, k)
	type row struct {
		v sparse
		y int
	}
	data := make([]row, 0, len(examples))
	for _, e := range examples {
		if e.Label == "" {
			continue
		}
		data = append(data, row{c.vector(e.Text), labelIdx[e.Label]})
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 77))
	p := make([]float64, k)
	step := 0
	// Plain SGD on the cross-entropy with a decaying rate; weight decay is
	// applied lazily through a shared scale.
	for epoch := 0; epoch < opt.Epochs; epoch++ {
		rng.Shuffle(len(data), func(i, j int) { data[i], data[j] = data[j], data[i] })
		for _, d := range data {
			lr := opt.LearnRate / (1 + float64(step)*opt.LearnRate*opt.L2*10)
			step++
			c.scores(d.v, p)
			p[d.y] -= 1
			for j := range p {
				c.Bias[j] -= float32(lr * p[j] * 0.1)
			}
			for n, i := range d.v.idx {
				x := float64(d.v.val[n])
				row := c.Weights[int(i)*k : int(i)*k+k]
				for j := range row {
					row[j] -= float32(lr * (p[j]*x + opt.L2*float64(row[j])))
				}
			}
		}
	}
	return c, nil
}

// Suggest returns the most likely category of a text, if the model is
// confident enough.
func (c *Classifier) Suggest(text string) (Suggestion, bool) {
	if c == nil || len(c.Labels) == 0 {
		return Suggestion{}, false
	}
	s := c.Predict(text)
	return s, s.Confidence >= c.MinConfidence
}

// Predict returns the most likely category of a text and its probability.
func (c *Classifier) Predict(text string) Suggestion {
	p := make([]float64, len(c.Labels))
	c.scores(c.vector(text), p)
	best := 0
	for j := range p {
		if p[j] > p[best] {
			best = j
		}
	}
	return Suggestion{Category: c.Labels[best], Confidence: p[best]}
}

// Accuracy is the share of the examples the model labels right.
func (c *Classifier) Accuracy(examples []Example) float64 {
	if len(examples) == 0 {
		return 0
	}
	right := 0
	for _, e := range examples {
		if c.Predict(e.Text).Category == e.Label {
			right++
		}
	}
	return float64(right) / float64(len(examples))
}

// Encode serialises the model for storage.
func (c *Classifier) Encode() ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(c)
	return b.Bytes(), err
}

// DecodeClassifier reads a stored model.
func DecodeClassifier(data []byte) (*Classifier, error) {
	var c Classifier
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&c); err != nil {
		return nil, fmt.Errorf("classifier: %w", err)
	}
	return &c, nil
}
