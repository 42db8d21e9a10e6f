package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/sales"
)

// DealPage is one opportunity: details, products, people, quotes, history.
type DealPage struct {
	Base
	O        sales.Opportunity
	Pipeline sales.Pipeline
	Lines    []sales.DealLine
	Contacts []sales.DealContact
	Quotes   []sales.Quote
	History  []sales.Move
	CanWrite bool
	CanMail  bool
}

func (p DealPage) stage(id int64) string {
	if st, ok := p.Pipeline.Stage(id); ok {
		return st.Name
	}
	return "—"
}

func (s *site) dealPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	o, err := s.Sales.Opportunity(ctx, a, id)
	if err != nil {
		return err
	}
	p := DealPage{Base: s.pageBase(w, r, a, o.Name, "sales"), O: o, CanWrite: a.Can(auth.SalesWrite),
		CanMail: s.Quotes.Mail != nil}
	p.Help = "sales"
	if p.Pipeline, err = s.Sales.Pipeline(ctx, a, o.PipelineID); err != nil {
		return err
	}
	if p.Lines, err = s.DealDetails.Lines(ctx, a, id); err != nil {
		return err
	}
	if p.Contacts, err = s.DealDetails.Contacts(ctx, a, id); err != nil {
		return err
	}
	if p.Quotes, err = s.Quotes.Quotes(ctx, a, id); err != nil {
		return err
	}
	if p.History, err = s.Sales.History(ctx, a, id); err != nil {
		return err
	}
	return render(w, r, http.StatusOK, dealPage(p))
}

// quoteCreate makes a quote from the deal page's form: up to five lines of
// SKU and quantity, a discount per line and a tax rate, in per cent.
func (s *site) quoteCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	back := "/opportunities/" + itoa(id)
	pct := func(v string) int64 {
		f, _ := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(v), ",", "."), 64)
		return int64(f*100 + 0.5)
	}
	in := sales.QuoteInput{TaxRate: pct(r.PostFormValue("tax")), ValidUntil: r.PostFormValue("valid_until"),
		Notes: r.PostFormValue("notes"), AcceptNoStock: r.PostFormValue("accept_no_stock") == "1"}
	skus, qtys, discs := r.PostForm["sku"], r.PostForm["quantity"], r.PostForm["discount"]
	for i, sku := range skus {
		if strings.TrimSpace(sku) == "" {
			continue
		}
		q := int64(0)
		if i < len(qtys) {
			q, _ = strconv.ParseInt(strings.TrimSpace(qtys[i]), 10, 64)
		}
		d := int64(0)
		if i < len(discs) {
			d = pct(discs[i])
		}
		in.Lines = append(in.Lines, sales.QuoteLine{SKU: sku, Quantity: q, Discount: d})
	}
	q, err := s.Quotes.CreateQuote(r.Context(), a, id, in)
	if err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, back, "The quote was not made: "+fieldText(err))
		}
		return err
	}
	return s.redirect(w, r, "/quotes/"+itoa(q.ID), "Quote "+q.Number+" made.")
}

func (s *site) quoteAction(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var q sales.Quote
	switch r.PathValue("action") {
	case "send":
		q, err = s.Quotes.Send(r.Context(), a, id, r.PostFormValue("to"))
	case "accept":
		q, err = s.Quotes.Accept(r.Context(), a, id)
	default:
		return fault.New(fault.NotFound, "Not found.")
	}
	if err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, "/quotes/"+itoa(id), msg+" "+fieldText(err))
		}
		return err
	}
	msg := "Quote sent."
	if q.Status == "accepted" {
		msg = "Accepted: the deal is won and the order is on the customer's purchases."
	}
	return s.redirect(w, r, "/quotes/"+itoa(id), msg)
}
