package app

import (
	"context"
	"fmt"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/loyalty"
	"github.com/scrms/scrms/internal/mail"
)

// wireLoyaltyMail lets the loyalty service email members: statements,
// points-expiry notices and tier notices, each to the customer's primary
// address (loyalty.ErrNoAddress when there is none).
func (a *App) wireLoyaltyMail(sender mail.Sender) {
	send := func(ctx context.Context, m loyalty.Member, msg func(first string) mail.Message) error {
		c, err := a.Customers.FindCustomer(ctx, auth.System("loyalty"), m.CustomerID)
		if err != nil || c.PrimaryEmail() == "" {
			return loyalty.ErrNoAddress
		}
		out := msg(c.FirstName)
		out.To, out.Auto = c.PrimaryEmail(), true
		return sender.Send(ctx, out)
	}
	a.Loyalty.MailStatement = func(ctx context.Context, m loyalty.Member, st loyalty.Statement) error {
		return send(ctx, m, func(first string) mail.Message {
			return mail.Message{Subject: fmt.Sprintf("Your points statement for %s", st.Period),
				Text: loyalty.StatementText(first, st, a.Loyalty.StatementURL(m.ID, st.Period))}
		})
	}
	a.Loyalty.MailExpiryNotice = func(ctx context.Context, m loyalty.Member, n loyalty.Notice) error {
		return send(ctx, m, func(first string) mail.Message {
			return mail.Message{Subject: fmt.Sprintf("%d of your points expire on %s", n.Points, n.ExpiresAt.Format("2 January 2006")),
				Text: loyalty.NoticeText(first, n, a.Loyalty.StatementURL(m.ID, n.CreatedAt.Format("2006-01")))}
		})
	}
	a.Loyalty.MailTierNotice = func(ctx context.Context, m loyalty.Member, tier, next string, on time.Time) error {
		then := "you will leave the tier"
		if next != "" {
			then = "you will move to " + next
		}
		return send(ctx, m, func(first string) mail.Message {
			return mail.Message{Subject: "Keep your " + tier + " tier",
				Text: fmt.Sprintf("Hello %s,\n\nYour purchases over the last period no longer reach the %s tier. Unless you qualify "+
					"again by %s, %s.\n", first, tier, on.Format("2 January 2006"), then)}
		})
	}
}
