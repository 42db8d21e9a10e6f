package support

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/scrms/scrms/internal/fault"
)

// ModelStore keeps the trained category model and yields training data.
type ModelStore interface {
	SaveCaseModel(ctx context.Context, examples int, accuracy float64, model []byte, at time.Time) error
	LatestCaseModel(ctx context.Context) ([]byte, time.Time, error)
	CaseExamples(ctx context.Context, limit int) ([]Example, error)
}

// minTraining is the fewest categorised cases a model is trained on.
const minTraining = 50

// ModelReport says how a training went.
type ModelReport struct {
	Examples   int
	Categories int
	Accuracy   float64 // on a held-out tenth of the examples
	Took       time.Duration
}

// TrainModel retrains the category model on the resolved cases with a
// category (or on the examples given, to start from a labelled set) and
// puts it to use. Accuracy is measured on a held-out tenth.
func (s *Service) TrainModel(ctx context.Context, given []Example) (ModelReport, error) {
	examples := given
	if examples == nil {
		var err error
		if examples, err = s.store.CaseExamples(ctx, 50000); err != nil {
			return ModelReport{}, err
		}
	}
	if len(examples) < minTraining {
		return ModelReport{Examples: len(examples)}, fault.New(fault.Invalid,
			"Training needs at least %d resolved cases with a category; there are %d.", minTraining, len(examples))
	}
	start := time.Now()
	shuffled := append([]Example(nil), examples...)
	rng := rand.New(rand.NewPCG(7, 7))
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	hold := len(shuffled) / 10
	trial, err := Train(shuffled[hold:], TrainOptions{Seed: 1})
	if err != nil {
		return ModelReport{}, fault.Wrap(fault.Invalid, err, "The cases cannot train a model: %v.", err)
	}
	acc := trial.Accuracy(shuffled[:hold])
	final, err := Train(shuffled, TrainOptions{Seed: 1})
	if err != nil {
		return ModelReport{}, err
	}
	blob, err := final.Encode()
	if err != nil {
		return ModelReport{}, err
	}
	if err := s.store.SaveCaseModel(ctx, len(examples), acc, blob, s.at()); err != nil {
		return ModelReport{}, fmt.Errorf("support: save model: %w", err)
	}
	s.UseModel(final)
	return ModelReport{Examples: len(examples), Categories: len(final.Labels), Accuracy: acc, Took: time.Since(start)}, nil
}

// LoadModel puts the stored model to use, if there is one.
func (s *Service) LoadModel(ctx context.Context) error {
	blob, _, err := s.store.LatestCaseModel(ctx)
	if fault.Is(err, fault.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	c, err := DecodeClassifier(blob)
	if err != nil {
		return err
	}
	s.UseModel(c)
	return nil
}
