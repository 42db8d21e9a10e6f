package marketing

import (
	"context"
	"fmt"
	"strings"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// Presets are ready-made journeys for common follow-ups. Each is made as a
// draft with its own email templates, to be read, adapted and switched on.
var Presets = []string{"welcome", "post_purchase_feedback", "support_check_in", "abandoned_quote", "win_back", "birthday"}

type presetEmail struct{ subject, heading, text, button, url, purpose string }

// CreatePreset makes a ready-made journey (and the templates it sends).
func (s *Service) CreatePreset(ctx context.Context, a auth.Actor, name string) (Journey, error) {
	if err := a.Require(auth.MarketingWrite); err != nil {
		return Journey{}, err
	}
	shop := strings.TrimRight(s.BaseURL, "/")
	tpl := func(label string, e presetEmail) (int64, error) {
		blocks := []Block{{Type: "heading", Text: e.heading}, {Type: "text", Text: e.text}}
		if e.button != "" {
			blocks = append(blocks, Block{Type: "button", Text: e.button, URL: e.url})
		}
		t, err := s.CreateTemplate(ctx, a, TemplateInput{Name: label, Subject: e.subject, Blocks: blocks, Purpose: e.purpose})
		if err != nil {
			return 0, err
		}
		return t.ID, nil
	}
	var j Journey
	switch name {
	case "welcome":
		first, err := tpl("Welcome series: welcome", presetEmail{"Welcome, {{first_name}}", "Welcome",
			"Hello {{first_name}},\n\nthank you for joining us. Here is what we can do for you.", "Visit us", shop + "/help", ""})
		if err != nil {
			return Journey{}, err
		}
		second, err := tpl("Welcome series: getting started", presetEmail{"Getting started", "Three things to try",
			"Hello {{first_name}},\n\nhere are three things our customers like best.", "", "", ""})
		if err != nil {
			return Journey{}, err
		}
		j = Journey{Name: "Welcome series", Trigger: Trigger{Event: "customer.created"}, Steps: []Step{
			{Type: "email", TemplateID: first}, {Type: "wait", Minutes: 3 * 24 * 60}, {Type: "email", TemplateID: second}}}
	case "post_purchase_feedback":
		ask, err := tpl("Post-purchase: how was it?", presetEmail{"How is your purchase, {{first_name}}?", "How was it?",
			"Hello {{first_name}},\n\nwe hope you are enjoying your purchase. Tell us how it went?", "Give feedback", shop + "/help", ""})
		if err != nil {
			return Journey{}, err
		}
		j = Journey{Name: "Post-purchase feedback request", Trigger: Trigger{Event: "order.placed"}, Reentry: true, Steps: []Step{
			{Type: "wait", Minutes: 7 * 24 * 60}, {Type: "email", TemplateID: ask}}}
	case "support_check_in":
		j = Journey{Name: "Post-purchase support check-in", Trigger: Trigger{Event: "order.placed"}, Reentry: true, Steps: []Step{
			{Type: "wait", Minutes: 14 * 24 * 60}, {Type: "task", Value: "Check in with the customer after their purchase", DueDays: 2}}}
	case "abandoned_quote":
		// A reminder about a quote the customer asked for is service
		// mail: it goes whatever their marketing choices.
		remind, err := tpl("Quote reminder", presetEmail{subject: "Your quote is waiting, {{first_name}}",
			heading: "Your quote", text: "Hello {{first_name}},\n\nthe quote we sent you a few days ago is still open. " +
				"Reply to this email if anything is unclear; we are glad to help.", purpose: "transactional"})
		if err != nil {
			return Journey{}, err
		}
		j = Journey{Name: "Abandoned-quote reminder", Trigger: Trigger{Event: "quote.sent"}, Reentry: true, Steps: []Step{
			{Type: "wait", Minutes: 3 * 24 * 60}, {Type: "condition", Rule: `open_quotes > 0`, ElseGoto: 0},
			{Type: "email", TemplateID: remind},
			{Type: "task", Value: "Follow up on the open quote", DueDays: 1}}}
	case "birthday":
		offer, err := s.CreateOffer(ctx, a, OfferInput{Name: "Birthday 15%", Kind: "percent", Value: 15, SharedCode: "BIRTHDAY15",
			Description: "15% off for a customer's birthday"})
		if err != nil {
			return Journey{}, fmt.Errorf("the birthday offer: %w", err)
		}
		sg, err := s.CreateSegment(ctx, a, SegmentInput{Name: "Birthday today", Text: `birthday_in = 0`})
		if err != nil {
			return Journey{}, fmt.Errorf("the birthday segment: %w", err)
		}
		wish, err := tpl("Birthday offer", presetEmail{subject: "Happy birthday, {{first_name}}!", heading: "Happy birthday!",
			text: "Hello {{first_name}},\n\nall the best from all of us. Here is a present: 15% off with the code " +
				offer.SharedCode + ".", button: "Treat yourself", url: shop})
		if err != nil {
			return Journey{}, err
		}
		j = Journey{Name: "Birthday offer", Trigger: Trigger{SegmentID: sg.ID}, Reentry: true, Steps: []Step{
			{Type: "email", TemplateID: wish}, {Type: "tag", Value: "birthday-offer-sent"}}}
	case "win_back":
		sg, err := s.CreateSegment(ctx, a, SegmentInput{Name: "At risk: no order in 120 days",
			Text: `orders >= 2 and last_order_days > 120`})
		if err != nil && !fault.Is(err, fault.Conflict) {
			return Journey{}, err
		}
		if err != nil {
			return Journey{}, fmt.Errorf("a segment named %q exists already; remove or rename it first", "At risk: no order in 120 days")
		}
		miss, err := tpl("Win-back: we miss you", presetEmail{"We miss you, {{first_name}}", "It has been a while",
			"Hello {{first_name}},\n\nit has been a while since your last order. Here is something to welcome you back.",
			"See what is new", shop, ""})
		if err != nil {
			return Journey{}, err
		}
		j = Journey{Name: "Win-back of at-risk customers", Trigger: Trigger{SegmentID: sg.ID}, Goal: `last_order_days < 14`,
			Steps: []Step{{Type: "email", TemplateID: miss}, {Type: "wait", Minutes: 14 * 24 * 60},
				{Type: "condition", Rule: `last_order_days > 134`, ElseGoto: 0},
				{Type: "task", Value: "Call an at-risk customer who has not come back", DueDays: 3}}}
	default:
		return Journey{}, fault.Field("preset", "must be one of %s", strings.Join(Presets, ", "))
	}
	return s.CreateJourney(ctx, a, j)
}
