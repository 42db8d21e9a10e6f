package web

import (
	"fmt"
	"net/http"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/sales"
)

// QuotePage is a quote as a printable page.
type QuotePage struct {
	Base
	Q sales.Quote
}

func (s *site) quotePage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q, err := s.Quotes.Quote(r.Context(), a, id)
	if err != nil {
		return err
	}
	p := QuotePage{Base: s.pageBase(w, r, a, "Quote "+q.Number, "sales"), Q: q}
	p.Help = "sales"
	return render(w, r, http.StatusOK, quotePage(p))
}

func (s *site) quotePDF(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q, err := s.Quotes.Quote(r.Context(), a, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s.pdf"`, q.Number))
	_, err = w.Write(s.Quotes.PDF(q))
	return err
}

func percentBP(bp int64) string { return fmt.Sprintf("%.2f%%", float64(bp)/100) }
