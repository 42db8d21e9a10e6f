package support

import (
	"context"
	"fmt"

	"github.com/scrms/scrms/internal/mail"
)

// SendCaseMail sends an outgoing email of a case that the outbox holds. It
// is what the mail job calls: a message already sent is not sent again;
// a crash between the SMTP server accepting it and SCRMS recording that
// is the one case where the customer gets it twice.
func (s *Service) SendCaseMail(ctx context.Context, sender mail.Sender, messageID int64) (bool, error) {
	m, err := s.store.FindCaseMessage(ctx, messageID)
	if err != nil {
		return false, err
	}
	if !m.SentAt.IsZero() || m.Kind != MsgEmailOut || m.To == "" {
		return false, nil
	}
	if sender == nil {
		return false, fmt.Errorf("support: no mail server is configured (SCRMS_SMTP_URL)")
	}
	out := mail.Message{To: m.To, Subject: m.Subject, Text: m.Body, MessageID: m.MessageID, InReplyTo: m.InReplyTo,
		References: m.References, Auto: m.Auto}
	for _, at := range m.Attachments {
		full, err := s.store.CaseAttachment(ctx, at.ID)
		if err != nil {
			return false, err
		}
		out.Attachments = append(out.Attachments, mail.Attachment{Name: full.Name, Type: full.ContentType, Data: full.Data})
	}
	if err := sender.Send(ctx, out); err != nil {
		return false, err
	}
	return s.store.MarkCaseMessageSent(ctx, messageID, s.at())
}
