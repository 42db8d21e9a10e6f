package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/sales"
)

// BoardPage is a pipeline's kanban.
type BoardPage struct {
	Base
	Board     sales.Board
	Pipelines []sales.Pipeline
	CanWrite  bool
}

// formatMoney shows minor units as "12,500.00 GBP".
func formatMoney(amount int64, currency string) string {
	neg := amount < 0
	if neg {
		amount = -amount
	}
	whole := strconv.FormatInt(amount/100, 10)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	s := fmt.Sprintf("%s.%02d", b.String(), amount%100)
	if neg {
		s = "-" + s
	}
	return strings.TrimSpace(s + " " + currency)
}

// boardCurrency is the currency the board's totals are shown in.
func (p BoardPage) boardCurrency() string {
	if len(p.Board.Currencies) == 1 {
		return p.Board.Currencies[0]
	}
	return ""
}

func (s *site) salesHome(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	ps, err := s.Sales.Pipelines(r.Context(), a)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		return fault.New(fault.NotFound, "There is no pipeline yet.")
	}
	http.Redirect(w, r, "/pipelines/"+itoa(ps[0].ID)+"/board", http.StatusSeeOther)
	return nil
}

func (s *site) boardPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := s.Sales.Board(r.Context(), a, id)
	if err != nil {
		return err
	}
	ps, err := s.Sales.Pipelines(r.Context(), a)
	if err != nil {
		return err
	}
	p := BoardPage{Base: s.pageBase(w, r, a, b.Pipeline.Name+" pipeline", "sales"), Board: b, Pipelines: ps,
		CanWrite: a.Can(auth.SalesWrite)}
	p.Help = "sales"
	return render(w, r, http.StatusOK, boardPage(p))
}

// cardJSON is what the board's script knows of a card.
type cardJSON struct {
	ID        int64  `json:"id"`
	StageID   int64  `json:"stage_id"`
	Pipeline  int64  `json:"pipeline_id"`
	Name      string `json:"name"`
	Customer  string `json:"customer"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
	Money     string `json:"money"`
	Owner     string `json:"owner"`
	Close     string `json:"close"`
	UpdatedAt string `json:"updated_at"`
}

func card(o sales.Opportunity) cardJSON {
	return cardJSON{ID: o.ID, StageID: o.StageID, Pipeline: o.PipelineID, Name: o.Name, Customer: o.CustomerName,
		Amount: o.Amount, Currency: o.Currency, Money: formatMoney(o.Amount, o.Currency), Owner: o.OwnerName,
		Close: o.ExpectedClose, UpdatedAt: stamp(o.UpdatedAt)}
}

// opportunityMove saves a card dropped on another column and answers with
// the card as saved (JSON for the board's script, a redirect for a form).
func (s *site) opportunityMove(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	stage := formID(r.PostFormValue("stage_id"))
	o, err := s.Sales.UpdateOpportunity(r.Context(), a, id, sales.Input{StageID: &stage})
	if r.Header.Get("Accept") != "application/json" {
		if err != nil {
			return err
		}
		return s.redirect(w, r, "/pipelines/"+itoa(o.PipelineID)+"/board", "Moved.")
	}
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		e, _ := fault.As(err)
		status := http.StatusInternalServerError
		msg := "The move was not saved."
		if e != nil {
			msg = e.Message
			switch e.Code {
			case fault.NotFound:
				status = http.StatusNotFound
			case fault.Forbidden:
				status = http.StatusForbidden
			case fault.Invalid:
				status = http.StatusUnprocessableEntity
			}
		}
		if status == http.StatusInternalServerError {
			s.Log.Error("web: move opportunity", "err", err)
		}
		w.WriteHeader(status)
		return json.NewEncoder(w).Encode(map[string]string{"error": msg})
	}
	return json.NewEncoder(w).Encode(card(o))
}

func (s *site) opportunityCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	pid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	name, cur := r.PostFormValue("name"), r.PostFormValue("currency")
	in := sales.Input{PipelineID: &pid, Name: &name, Currency: &cur}
	if v := strings.TrimSpace(r.PostFormValue("amount")); v != "" {
		f, perr := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64)
		if perr != nil || f < 0 {
			return s.redirect(w, r, "/pipelines/"+itoa(pid)+"/board", "The deal was not added: the amount is not a number.")
		}
		amount := int64(f*100 + 0.5)
		in.Amount = &amount
	}
	if c := formID(strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("customer")), "#")); c != 0 {
		in.CustomerID = &c
	}
	if _, err := s.Sales.CreateOpportunity(r.Context(), a, in); err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, "/pipelines/"+itoa(pid)+"/board", "The deal was not added: "+fieldText(err))
		}
		return err
	}
	return s.redirect(w, r, "/pipelines/"+itoa(pid)+"/board", "Deal added.")
}

// boardEvents streams the cards of a pipeline that change, as server-sent
// events, from the version the page was drawn at.
func (s *site) boardEvents(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	if foreignOrigin(r) {
		return fault.New(fault.Forbidden, "Event streams are for SCRMS's own pages.")
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Sales.Pipeline(r.Context(), a, id); err != nil {
		return err
	}
	since, _ := time.Parse(time.RFC3339Nano, r.URL.Query().Get("since"))
	if since.IsZero() {
		since = time.Now().UTC()
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	wake, stop := s.BoardHub.Subscribe(id)
	defer stop()
	tick := time.NewTicker(2 * time.Second) // changes made through another instance
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-wake:
		case <-tick.C:
		}
		changed, err := s.Sales.Changed(r.Context(), a, id, since)
		if err != nil {
			return nil
		}
		if len(changed) == 0 {
			if _, err := fmt.Fprint(w, ": still here\n\n"); err != nil {
				return nil
			}
			_ = rc.Flush()
			continue
		}
		cards := make([]cardJSON, len(changed))
		for i, o := range changed {
			cards[i] = card(o)
			if o.UpdatedAt.After(since) {
				since = o.UpdatedAt
			}
		}
		b, _ := json.Marshal(cards)
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return nil
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

// stamp writes a time with a fixed width, so that the board's script can
// compare two as text.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// scaled writes an order amount (ten-thousandths) with two decimals.
func scaled(v int64) string {
	return strings.TrimSuffix(formatMoney(v/100, ""), " ")
}

// orderCurrency is the currency of a customer's latest orders.
func orderCurrency(os []sales.Order) string {
	if len(os) > 0 {
		return os[0].Currency
	}
	return ""
}
