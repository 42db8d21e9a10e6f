package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
)

// ScanQueue runs duplicate scans in the background.
type ScanQueue interface {
	EnqueueDuplicateScan(ctx context.Context, scanID int64) error
}

// ScanJSON is a duplicate scan.
type ScanJSON struct {
	ID          int64      `json:"id"`
	Status      string     `json:"status" enum:"queued,running,done,failed"`
	Running     bool       `json:"running"`
	RequestedAt time.Time  `json:"requested_at"`
	StartedAt   *time.Time `json:"started_at,omitempty"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
	Customers   int        `json:"customers_scanned"`
	Comparisons int        `json:"comparisons"`
	PairsFound  int        `json:"pairs_found"`
	NewPairs    int        `json:"new_pairs"`
	Error       string     `json:"error,omitempty"`
}

func scanJSON(sc customer.DuplicateScan) ScanJSON {
	return ScanJSON{ID: sc.ID, Status: sc.Status, Running: sc.Running(), RequestedAt: sc.RequestedAt,
		StartedAt: optTime(sc.StartedAt), FinishedAt: optTime(sc.FinishedAt), Customers: sc.Scanned,
		Comparisons: sc.Comparisons, PairsFound: sc.Found, NewPairs: sc.New, Error: sc.Error}
}

// PairJSON is a candidate duplicate pair.
type PairJSON struct {
	ID          int64          `json:"id"`
	CustomerIDs []int64        `json:"customer_ids" doc:"The two customers, older first."`
	Score       float64        `json:"score" doc:"Match score; pairs from 9 up are proposed."`
	Reasons     []string       `json:"reasons"`
	Status      string         `json:"status" enum:"open,merged,dismissed,superseded"`
	FoundAt     time.Time      `json:"found_at"`
	ResolvedAt  *time.Time     `json:"resolved_at,omitempty"`
	MergeID     *int64         `json:"merge_id,omitempty"`
	Customers   []CustomerJSON `json:"customers" doc:"The two customers as the caller may see them."`
}

func pairJSON(v customer.PairView) PairJSON {
	return PairJSON{ID: v.ID, CustomerIDs: []int64{v.A, v.B}, Score: v.Score, Reasons: nonNil(v.Reasons),
		Status: v.Status, FoundAt: v.FoundAt, ResolvedAt: optTime(v.ResolvedAt), MergeID: optID(v.MergeID),
		Customers: []CustomerJSON{customerJSON(v.First), customerJSON(v.Second)}}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// MergeJSON is a merge of two customers.
type MergeJSON struct {
	ID         int64      `json:"id"`
	SurvivorID int64      `json:"survivor_id"`
	MergedID   int64      `json:"merged_id"`
	PairID     *int64     `json:"pair_id,omitempty"`
	MergedAt   time.Time  `json:"merged_at"`
	UndoneAt   *time.Time `json:"undone_at,omitempty"`
	UndoUntil  time.Time  `json:"undo_until" doc:"The merge can be undone until then."`
	Moved      MovedJSON  `json:"moved"`
}

// MovedJSON counts what a merge moved to the survivor.
type MovedJSON struct {
	Notes         int  `json:"notes"`
	Interactions  int  `json:"interactions"`
	Consents      int  `json:"consent_events"`
	Relationships int  `json:"relationships"`
	Household     bool `json:"household"`
}

func mergeJSON(m customer.Merge) MergeJSON {
	mv := m.Moves
	return MergeJSON{ID: m.ID, SurvivorID: m.SurvivorID, MergedID: m.MergedID, PairID: optID(m.PairID),
		MergedAt: m.MergedAt, UndoneAt: optTime(m.UndoneAt), UndoUntil: m.MergedAt.Add(customer.UndoWindow),
		Moved: MovedJSON{Notes: len(mv.Rows["customer_notes"]), Interactions: len(mv.Rows["interactions"]),
			Consents: len(mv.Rows["consent_events"]), Relationships: len(mv.Relationships),
			Household: mv.Household != nil && mv.Household.Moved}}
}

// PairPage is a page of the review queue.
type PairPage struct {
	Items      []PairJSON `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty"`
	Total      int        `json:"total" doc:"Pairs in this state."`
}

// pairCursor encodes the last pair of a page: its score and id.
func pairCursor(p customer.DuplicatePair) string {
	return strconv.FormatFloat(p.Score, 'g', -1, 64) + "_" + strconv.FormatInt(p.ID, 10)
}

func parsePairCursor(s string) (float64, int64, error) {
	score, id, ok := strings.Cut(s, "_")
	sc, err1 := strconv.ParseFloat(score, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if !ok || err1 != nil || err2 != nil || n <= 0 {
		return 0, 0, &fault.Error{Code: fault.Invalid, Message: "The cursor is not one this API returned.",
			Fields: []fault.FieldError{{Field: "cursor", Message: "is malformed"}}}
	}
	return sc, n, nil
}

func (s *server) registerDuplicates(api huma.API) {
	tags := []string{"Data quality"}
	type scanOut = struct{ Body ScanJSON }
	huma.Register(api, huma.Operation{OperationID: "start-duplicate-scan", Method: http.MethodPost,
		Path: "/duplicates/scan", Summary: "Start a scan of the whole base for duplicates", Tags: tags,
		Description: "Queues a scan; when one is already queued or running, that one is returned. " +
			"Answers 202; poll GET /duplicates/scan for its state.", DefaultStatus: http.StatusAccepted},
		func(ctx context.Context, _ *struct{}) (*scanOut, error) {
			a := actorFrom(ctx)
			sc, started, err := s.Customers.RequestDuplicateScan(ctx, a)
			if err != nil {
				return nil, s.fail(ctx, "start scan", err)
			}
			if started {
				if err := s.Scans.EnqueueDuplicateScan(ctx, sc.ID); err != nil {
					return nil, s.fail(ctx, "start scan", err)
				}
			}
			return &scanOut{Body: scanJSON(sc)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-duplicate-scan", Method: http.MethodGet,
		Path: "/duplicates/scan", Summary: "The latest duplicate scan and whether it is running", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*scanOut, error) {
			sc, err := s.Customers.LatestDuplicateScan(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "scan", err)
			}
			return &scanOut{Body: scanJSON(sc)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-duplicates", Method: http.MethodGet, Path: "/duplicates",
		Summary: "The duplicate review queue, best match first", Tags: tags},
		func(ctx context.Context, in *struct {
			Status   string `query:"status" enum:"open,merged,dismissed,superseded" default:"open"`
			Customer int64  `query:"customer_id" doc:"Only pairs with this customer."`
			Cursor   string `query:"cursor"`
			Limit    int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
		}) (*struct{ Body PairPage }, error) {
			a := actorFrom(ctx)
			f := customer.PairFilter{Status: in.Status, Customer: in.Customer, Limit: in.Limit}
			if in.Cursor != "" {
				var err error
				if f.AfterRank, f.AfterID, err = parsePairCursor(in.Cursor); err != nil {
					return nil, s.fail(ctx, "list duplicates", err)
				}
			}
			views, err := s.Customers.DuplicatePairs(ctx, a, f)
			if err != nil {
				return nil, s.fail(ctx, "list duplicates", err)
			}
			total, err := s.Customers.CountDuplicatePairs(ctx, a, f.Status)
			if err != nil {
				return nil, s.fail(ctx, "list duplicates", err)
			}
			page := PairPage{Items: []PairJSON{}, Total: total}
			for _, v := range views {
				page.Items = append(page.Items, pairJSON(v))
			}
			if len(views) == f.Limit {
				page.NextCursor = pairCursor(views[len(views)-1].DuplicatePair)
			}
			return &struct{ Body PairPage }{page}, nil
		})
	type pairPath struct {
		ID int64 `path:"id" minimum:"1" doc:"The pair's id."`
	}
	huma.Register(api, huma.Operation{OperationID: "get-duplicate", Method: http.MethodGet, Path: "/duplicates/{id}",
		Summary: "One candidate pair with both customers", Tags: tags},
		func(ctx context.Context, in *pairPath) (*struct{ Body PairJSON }, error) {
			v, err := s.Customers.DuplicatePair(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "duplicate", err)
			}
			return &struct{ Body PairJSON }{pairJSON(v)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "merge-duplicate", Method: http.MethodPost,
		Path: "/duplicates/{id}/merge", Summary: "Merge the two customers of a pair", Tags: tags,
		Description: "The survivor (default: the older record) keeps its values unless `keep` names, per field, " +
			"the customer whose value to keep. Contact points, addresses and tags are combined; notes, " +
			"interactions, consent history, relationships and the household move to the survivor; the other " +
			"record goes to the bin. Undo with POST /merges/{id}/undo within 30 days."},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body *struct {
				SurvivorID int64            `json:"survivor_id,omitempty"`
				Keep       map[string]int64 `json:"keep,omitempty" doc:"Field name → id of the customer whose value to keep. Fields: name, lifecycle_stage, status, owner, external_id, birth_date, language, time_zone, preferred_channel, quiet_hours, referral_source, website, industry."`
			}
		}) (*struct{ Body MergeJSON }, error) {
			mi := customer.MergeInput{PairID: in.ID}
			if in.Body != nil {
				mi.SurvivorID, mi.Keep = in.Body.SurvivorID, in.Body.Keep
			}
			m, err := s.Customers.MergeCustomers(ctx, actorFrom(ctx), mi)
			if err != nil {
				return nil, s.fail(ctx, "merge", err)
			}
			return &struct{ Body MergeJSON }{mergeJSON(m)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "dismiss-duplicate", Method: http.MethodPost,
		Path: "/duplicates/{id}/dismiss", Summary: "Mark a pair as not duplicates", Tags: tags,
		Description:   "Later scans remember the decision and do not propose the pair again.",
		DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *pairPath) (*struct{}, error) {
			if err := s.Customers.DismissPair(ctx, actorFrom(ctx), in.ID); err != nil {
				return nil, s.fail(ctx, "dismiss", err)
			}
			return nil, nil
		})
	type mergePath struct {
		ID int64 `path:"id" minimum:"1" doc:"The merge's id."`
	}
	huma.Register(api, huma.Operation{OperationID: "get-merge", Method: http.MethodGet, Path: "/merges/{id}",
		Summary: "A merge of two customers", Tags: tags},
		func(ctx context.Context, in *mergePath) (*struct{ Body MergeJSON }, error) {
			m, err := s.Customers.FindMerge(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "merge", err)
			}
			return &struct{ Body MergeJSON }{mergeJSON(m)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "undo-merge", Method: http.MethodPost, Path: "/merges/{id}/undo",
		Summary: "Undo a merge (within 30 days)", Tags: tags,
		Description: "Restores both customers: the survivor's fields, contact points and tags as they were, and " +
			"every row that moved goes back. Notes and interactions added to the survivor since stay with it."},
		func(ctx context.Context, in *mergePath) (*struct{ Body MergeJSON }, error) {
			m, err := s.Customers.UndoMerge(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "undo merge", err)
			}
			return &struct{ Body MergeJSON }{mergeJSON(m)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-quality-issues", Method: http.MethodGet,
		Path: "/data-quality/issues", Summary: "Open data-quality issues found by the checks", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []QualityIssueJSON }, error) {
			issues, err := s.Customers.QualityIssues(ctx, actorFrom(ctx), 200)
			if err != nil {
				return nil, s.fail(ctx, "quality issues", err)
			}
			out := []QualityIssueJSON{}
			for _, q := range issues {
				out = append(out, QualityIssueJSON{ID: q.ID, Kind: q.Kind, Subject: fmt.Sprintf("%s/%d", q.SubjectType, q.SubjectID),
					Detail: q.Detail, FoundAt: q.FoundAt})
			}
			return &struct{ Body []QualityIssueJSON }{out}, nil
		})
}

// QualityIssueJSON is an open data-quality issue.
type QualityIssueJSON struct {
	ID      int64     `json:"id"`
	Kind    string    `json:"kind" doc:"shared_email, household_without_head or empty_household."`
	Subject string    `json:"subject" doc:"customer/ID or household/ID."`
	Detail  string    `json:"detail"`
	FoundAt time.Time `json:"found_at"`
}
