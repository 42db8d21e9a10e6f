package support

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// ReplyInput is an agent's reply to the customer, or an internal note.
type ReplyInput struct {
	Body        string
	Internal    bool
	Status      string // the status to leave the case in; "" keeps it (a new case becomes open)
	Channel     string // email (default), chat, phone, social
	Attachments []Attachment
}

// Reply adds an agent's message to a case: a note stays internal (with
// @mentions notified), a reply goes to the customer by email through the
// outbox and counts as the case's first or next response.
func (s *Service) Reply(ctx context.Context, a auth.Actor, caseID int64, in ReplyInput) (Message, error) {
	if err := a.Require(auth.CaseWrite); err != nil {
		return Message{}, err
	}
	cur, err := s.FindCase(ctx, a, caseID)
	if err != nil {
		return Message{}, err
	}
	body := strings.TrimSpace(in.Body)
	if body == "" || len(body) > 100000 {
		return Message{}, fault.Field("body", "must be 1 to 100,000 characters")
	}
	if in.Status != "" && !slices.Contains(Statuses, in.Status) {
		return Message{}, fault.Field("status", "must be one of %s", strings.Join(Statuses, ", "))
	}
	now := s.at()
	m := Message{Kind: MsgNote, Internal: true, AuthorID: a.UserID, AuthorName: a.Name, Body: body, CreatedAt: now,
		Attachments: in.Attachments}
	if !in.Internal {
		switch in.Channel {
		case "", "email":
			if cur.CustomerEmail == "" {
				return Message{}, fault.Field("body", "the customer has no email address to reply to")
			}
			m.Kind, m.To, m.From = MsgEmailOut, cur.CustomerEmail, s.MailFrom
			m.Subject = replySubject(cur)
			m.MessageID = newMessageID(cur.ID, s.MailFrom)
			m.InReplyTo, m.References = s.threadHeaders(ctx, cur.ID)
		case "chat":
			m.Kind = MsgChat
		case "phone":
			m.Kind = MsgPhone
		case "social":
			m.Kind = MsgSocial
		default:
			return Message{}, fault.Field("channel", "must be email, chat, phone or social")
		}
		m.Internal = false
	}
	var before Case
	updated, err := s.store.UpdateCase(ctx, caseID, &m, func(c Case) (Case, audit.Entry, error) {
		before = c
		next := c
		if !m.Internal {
			if next.FirstRespondedAt.IsZero() {
				next.FirstRespondedAt = now
			}
			next.NextResponseDue = time.Time{}
			if next.Status == StatusNew {
				next.Status = StatusOpen
			}
		}
		if in.Status != "" {
			next.Status = in.Status
			if in.Status == StatusResolved && next.ResolutionCode == "" {
				next.ResolutionCode = "answered"
			}
		}
		if err := s.transition(ctx, c, &next); err != nil {
			return c, audit.Entry{}, err
		}
		next.UpdatedAt = now
		action := "reply"
		if m.Internal {
			action = "note"
		}
		e := a.Audit(action, "case", caseID, now)
		e.Changes = caseChanges(c, next)
		return next, e, nil
	})
	if err != nil {
		return Message{}, err
	}
	m.CaseID = caseID
	if m.Internal {
		if s.notify != nil {
			_ = s.notify.Mentions(ctx, a, body, func(u auth.User) bool { return u.Role.Has(auth.CaseRead) },
				fmt.Sprintf("%s mentioned you on case #%d", a.Name, caseID), fmt.Sprintf("/cases/%d", caseID))
		}
	} else {
		s.logOnTimeline(ctx, updated, &m)
		if m.Kind == MsgEmailOut && s.jobs != nil {
			if err := s.jobs.EnqueueCaseMail(ctx, m.ID); err != nil {
				return m, err
			}
		}
	}
	s.afterChange(ctx, before, updated)
	return m, nil
}

func replySubject(c Case) string {
	subj := c.Subject
	if !strings.HasPrefix(strings.ToLower(subj), "re:") {
		subj = "Re: " + subj
	}
	return subj + " " + c.Token()
}

// threadHeaders returns In-Reply-To and References for a new email on the
// case: the case's latest email, and the chain of them.
func (s *Service) threadHeaders(ctx context.Context, caseID int64) (string, string) {
	msgs, err := s.store.CaseMessages(ctx, caseID)
	if err != nil {
		return "", ""
	}
	var ids []string
	for _, m := range msgs {
		if m.MessageID != "" {
			ids = append(ids, "<"+m.MessageID+">")
		}
	}
	if len(ids) == 0 {
		return "", ""
	}
	if len(ids) > 20 {
		ids = append(ids[:1], ids[len(ids)-19:]...)
	}
	return strings.Trim(ids[len(ids)-1], "<>"), strings.Join(ids, " ")
}

func newMessageID(caseID int64, from string) string {
	domain := "scrms.local"
	if _, d, ok := strings.Cut(from, "@"); ok && d != "" {
		domain = strings.Trim(d, "> ")
	}
	return fmt.Sprintf("case-%d-%s%s@%s", caseID, strings.ToLower(newRef()), strings.ToLower(newRef()), domain)
}
