package customer

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/dedupe"
	"github.com/scrms/scrms/internal/fault"
)

// SettingsStore keeps configured settings.
type SettingsStore interface {
	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string, at time.Time, e audit.Entry) error
	CountByStage(ctx context.Context) (map[string]int, error)
}

const stagesSetting = "lifecycle_stages"

var stageKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,29}$`)

// LoadStages reads the configured lifecycle stages (the defaults when none
// were configured) and makes them the ones in force.
func (s *Service) LoadStages(ctx context.Context) error {
	st, ok := s.store.(SettingsStore)
	if !ok {
		return nil
	}
	v, err := st.Setting(ctx, stagesSetting)
	if fault.Is(err, fault.NotFound) {
		SetLifecycleStages(DefaultLifecycleStages)
		return nil
	}
	if err != nil {
		return err
	}
	var list []string
	if err := json.Unmarshal([]byte(v), &list); err != nil || len(list) == 0 {
		return fmt.Errorf("customer: stored lifecycle stages are not a list: %q", v)
	}
	SetLifecycleStages(list)
	return nil
}

// ConfigureStages replaces the lifecycle stages (administrators). A stage
// customers are in cannot be dropped: move them first.
func (s *Service) ConfigureStages(ctx context.Context, a auth.Actor, list []string) ([]string, error) {
	if err := a.Require(auth.UserManage); err != nil {
		return nil, err
	}
	st, ok := s.store.(SettingsStore)
	if !ok {
		return nil, fmt.Errorf("customer: this store keeps no settings")
	}
	var f fault.Fields
	seen := map[string]bool{}
	var clean []string
	for i, k := range list {
		k = strings.TrimSpace(k)
		switch {
		case !stageKey.MatchString(k):
			f.Add(fmt.Sprintf("stages[%d]", i), "must be 1 to 30 lower-case letters, digits or _, starting with a letter")
		case seen[k]:
			f.Add(fmt.Sprintf("stages[%d]", i), "is listed twice")
		default:
			seen[k] = true
			clean = append(clean, k)
		}
	}
	if len(list) < 2 || len(list) > 20 {
		f.Add("stages", "give 2 to 20 stages")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	counts, err := st.CountByStage(ctx)
	if err != nil {
		return nil, err
	}
	var inUse []string
	for stage, n := range counts {
		if !seen[stage] && n > 0 {
			inUse = append(inUse, fmt.Sprintf("%s (%d customers)", stage, n))
		}
	}
	if len(inUse) > 0 {
		return nil, &fault.Error{Code: fault.Conflict, Message: "Customers are in stages the new list drops; move them first.",
			Fields: []fault.FieldError{{Field: "stages", Message: "keep " + strings.Join(inUse, ", ")}}}
	}
	now := s.now()
	e := a.Audit("configure", "lifecycle_stages", 0, now)
	e.Changes = []audit.Change{{Field: "stages", Old: strings.Join(LifecycleStages(), ", "), New: strings.Join(clean, ", ")}}
	b, _ := json.Marshal(clean)
	if err := st.SetSetting(ctx, stagesSetting, string(b), now, e); err != nil {
		return nil, err
	}
	SetLifecycleStages(clean)
	return clean, nil
}

const thresholdSetting = "duplicate_threshold"

// DuplicateThreshold is the score from which two customers are proposed as
// duplicates: the engine's default unless an administrator tuned it.
func (s *Service) DuplicateThreshold(ctx context.Context) float64 {
	if st, ok := s.store.(SettingsStore); ok {
		if v, err := st.Setting(ctx, thresholdSetting); err == nil {
			var f float64
			if json.Unmarshal([]byte(v), &f) == nil && f > 0 {
				return f
			}
		}
	}
	return dedupe.DefaultThreshold
}

// SetDuplicateThreshold tunes the duplicate engine (administrators): a
// lower score finds more pairs and more false ones, a higher fewer of both.
func (s *Service) SetDuplicateThreshold(ctx context.Context, a auth.Actor, threshold float64) (float64, error) {
	if err := a.Require(auth.UserManage); err != nil {
		return 0, err
	}
	if threshold < 5 || threshold > 30 {
		return 0, &fault.Error{Code: fault.Invalid, Message: "Some fields are not valid.",
			Fields: []fault.FieldError{{Field: "threshold", Message: fmt.Sprintf("must be between 5 and 30 (default %.1f)", dedupe.DefaultThreshold)}}}
	}
	st, ok := s.store.(SettingsStore)
	if !ok {
		return 0, fmt.Errorf("customer: this store keeps no settings")
	}
	now := s.now()
	e := a.Audit("configure", "duplicate_threshold", 0, now)
	e.Changes = []audit.Change{{Field: "threshold", Old: fmt.Sprint(s.DuplicateThreshold(ctx)), New: fmt.Sprint(threshold)}}
	b, _ := json.Marshal(threshold)
	return threshold, st.SetSetting(ctx, thresholdSetting, string(b), now, e)
}
