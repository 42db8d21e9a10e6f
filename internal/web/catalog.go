package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/sales"
)

// ProductsPage is the catalogue with its stock.
type ProductsPage struct {
	Base
	Products []sales.Product
	Query    string
	CanAdmin bool
}

func (s *site) productsPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	q := r.URL.Query().Get("q")
	ps, err := s.Catalogue.Products(r.Context(), a, q, 200)
	if err != nil {
		return err
	}
	p := ProductsPage{Base: s.pageBase(w, r, a, "Products", "sales"), Products: ps, Query: q, CanAdmin: a.Can(auth.SalesAdmin)}
	p.Help = "sales"
	return render(w, r, http.StatusOK, productsPage(p))
}

func decimalScaled(v string) (int64, bool) {
	f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(v), ",", ""), 64)
	if err != nil || f < 0 {
		return 0, false
	}
	return sales.ToScaled(f)
}

func (s *site) productSave(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	price, ok := decimalScaled(r.PostFormValue("price"))
	if !ok {
		return s.redirect(w, r, "/products", "Not saved: the price is not a number.")
	}
	_, err := s.Catalogue.SaveProduct(r.Context(), a, sales.Product{SKU: r.PostFormValue("sku"), Name: r.PostFormValue("name"),
		Category: r.PostFormValue("category"), Price: price, Currency: r.PostFormValue("currency"), Active: true})
	if err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, "/products", "Not saved: "+fieldText(err))
		}
		return err
	}
	return s.redirect(w, r, "/products", "Product saved.")
}

func (s *site) stockSave(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	n, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("on_hand")), 10, 64)
	if err != nil {
		return s.redirect(w, r, "/products", "Not saved: the stock is not a whole number.")
	}
	if _, err := s.Catalogue.SetStock(r.Context(), a, []sales.StockLevel{{SKU: r.PostFormValue("sku"),
		Location: r.PostFormValue("location"), OnHand: n}}); err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, "/products", "Not saved: "+fieldText(err))
		}
		return err
	}
	return s.redirect(w, r, "/products", "Stock saved.")
}

// targetSave sets a target from the forecast page's form.
func (s *site) targetSave(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	t := sales.Target{Metric: r.PostFormValue("metric"), PeriodStart: r.PostFormValue("period_start"),
		PeriodEnd: r.PostFormValue("period_end"), Currency: strings.ToUpper(strings.TrimSpace(r.PostFormValue("currency")))}
	who := r.PostFormValue("who")
	if id, ok := strings.CutPrefix(who, "user:"); ok {
		t.UserID = formID(id)
	} else if id, ok := strings.CutPrefix(who, "team:"); ok {
		t.TeamID = formID(id)
	}
	v := strings.TrimSpace(r.PostFormValue("target"))
	if t.Metric == "revenue" {
		f, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64)
		if err != nil {
			return s.redirect(w, r, "/forecast", "Not saved: the target is not an amount.")
		}
		t.Target = int64(f*100 + 0.5)
	} else {
		t.Target, _ = strconv.ParseInt(v, 10, 64)
	}
	if _, err := s.Targets.SetTarget(r.Context(), a, t); err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, "/forecast", "Not saved: "+fieldText(err))
		}
		return err
	}
	return s.redirect(w, r, "/forecast", "Target set.")
}

// monthBounds are the first and last day of the current month, for the
// target form's defaults.
func monthBounds(now time.Time) (string, string) {
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	return first.Format("2006-01-02"), first.AddDate(0, 1, -1).Format("2006-01-02")
}
