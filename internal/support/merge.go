package support

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// MergeCases folds the case from into into: its messages move, it is closed
// as merged. Both must belong to the same customer.
func (s *Service) MergeCases(ctx context.Context, a auth.Actor, from, into int64) (Case, error) {
	if err := a.Require(auth.CaseWrite); err != nil {
		return Case{}, err
	}
	if from == into {
		return Case{}, fault.Field("into", "a case cannot be merged into itself")
	}
	src, err := s.FindCase(ctx, a, from)
	if err != nil {
		return Case{}, err
	}
	dst, err := s.FindCase(ctx, a, into)
	if err != nil {
		return Case{}, err
	}
	if src.CustomerID != dst.CustomerID {
		return Case{}, fault.Field("into", "cases of different customers cannot be merged")
	}
	if src.MergedInto != 0 {
		return Case{}, fault.New(fault.Conflict, "Case %d was already merged into case %d.", from, src.MergedInto)
	}
	now := s.at()
	if err := s.store.MoveCaseMessages(ctx, from, into, nil, a.Audit("merge", "case", into, now)); err != nil {
		return Case{}, err
	}
	_, err = s.store.UpdateCase(ctx, from, nil, func(c Case) (Case, audit.Entry, error) {
		next := c
		next.MergedInto, next.Status, next.ClosedAt, next.UpdatedAt = into, StatusClosed, now, now
		if next.ResolvedAt.IsZero() {
			next.ResolvedAt = now
		}
		next.ResolutionCode = "merged"
		e := a.Audit("merged_into", "case", from, now)
		e.Changes = append(caseChanges(c, next), audit.Change{Field: "merged_into", New: fmt.Sprint(into)})
		return next, e, nil
	})
	if err != nil {
		return Case{}, err
	}
	return s.store.FindCase(ctx, into)
}

// SplitCase moves some messages of a case into a new case of the same
// customer, for a second question asked in the same thread.
func (s *Service) SplitCase(ctx context.Context, a auth.Actor, caseID int64, messageIDs []int64, subject string) (Case, error) {
	if err := a.Require(auth.CaseWrite); err != nil {
		return Case{}, err
	}
	src, err := s.FindCase(ctx, a, caseID)
	if err != nil {
		return Case{}, err
	}
	if len(messageIDs) == 0 {
		return Case{}, fault.Field("message_ids", "name the messages that belong to the new case")
	}
	msgs, err := s.store.CaseMessages(ctx, caseID)
	if err != nil {
		return Case{}, err
	}
	for _, id := range messageIDs {
		if !slices.ContainsFunc(msgs, func(m Message) bool { return m.ID == id }) {
			return Case{}, fault.Field("message_ids", "message %d is not on case %d", id, caseID)
		}
	}
	if len(messageIDs) == len(msgs) {
		return Case{}, fault.Field("message_ids", "leave at least one message on the original case")
	}
	if strings.TrimSpace(subject) == "" {
		subject = src.Subject
	}
	nc := Case{Subject: strings.TrimSpace(subject), Type: src.Type, Category: src.Category, Priority: src.Priority,
		Status: StatusOpen, Channel: src.Channel, CustomerID: src.CustomerID, QueueID: src.QueueID,
		AssigneeID: src.AssigneeID, ParentID: src.ID}
	created, err := s.open(ctx, a, nc, nil)
	if err != nil {
		return Case{}, err
	}
	if err := s.store.MoveCaseMessages(ctx, caseID, created.ID, messageIDs, a.Audit("split", "case", caseID, s.at())); err != nil {
		return Case{}, err
	}
	return created, nil
}
