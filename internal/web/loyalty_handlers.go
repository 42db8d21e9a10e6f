package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/loyalty"
)

func orAny(currency string) string {
	if currency == "" {
		return "currency unit"
	}
	return currency
}

func months(n int) string {
	if n <= 0 {
		return "forever"
	}
	return plural(n, "month", "months")
}

func joinComma(s []string) string { return strings.ReplaceAll(strings.Join(s, ", "), "_", " ") }

func tierThreshold(p loyalty.Program, t loyalty.Tier) string {
	if p.TierBasis == "spend" {
		return formatMoney(t.Threshold/100, p.Currency) + " a year"
	}
	if p.Rules.StatusRate > 0 {
		return points(t.Threshold) + " status points a year"
	}
	return points(t.Threshold) + " points a year"
}

func tierUnit(p loyalty.Program) string {
	if p.TierBasis == "spend" {
		return "spend (in hundredths)"
	}
	if p.Rules.StatusRate > 0 {
		return "status points"
	}
	return "points"
}

func householdNames(ms []loyalty.Member) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.CustomerName
	}
	return strings.Join(names, ", ")
}

func pendingNote(x loyalty.Txn) string {
	if x.Status == "pending" {
		return ", pending until " + day(x.AvailableAt)
	}
	return ""
}

func enrolledIn(cards []LoyaltyCard, programID int64) bool {
	return slices.ContainsFunc(cards, func(c LoyaltyCard) bool { return c.View.ProgramID == programID })
}

func (s *site) renderLoyalty(w http.ResponseWriter, r *http.Request, a auth.Actor, status int, msg string, test *loyalty.Earning) error {
	ctx := r.Context()
	p := LoyaltyPage{Base: s.pageBase(w, r, a, "Loyalty", "loyalty"), CanAdmin: a.Can(auth.LoyaltyAdmin), Error: msg, Test: test,
		Liability: map[int64][]loyalty.LiabilityRow{}}
	p.Help = "loyalty"
	var err error
	if p.Programs, err = s.Loyalty.Programs(ctx, a); err != nil {
		return err
	}
	if p.Rewards, err = s.Loyalty.Rewards(ctx, a, 0); err != nil {
		return err
	}
	for _, pr := range p.Programs {
		if p.Liability[pr.ID], err = s.Loyalty.Liability(ctx, a, pr.ID); err != nil {
			return err
		}
	}
	return render(w, r, status, loyaltyPage(p))
}

func (s *site) loyaltyHome(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	return s.renderLoyalty(w, r, a, http.StatusOK, "", nil)
}

func (s *site) loyaltyDone(w http.ResponseWriter, r *http.Request, a auth.Actor, err error, to, ok string) error {
	if err != nil {
		if _, msg := fieldErrors(err); msg != "" && !fault.Is(err, fault.Forbidden) {
			if to == "/loyalty" {
				return s.renderLoyalty(w, r, a, http.StatusUnprocessableEntity, "Not saved: "+fieldText(err), nil)
			}
			return s.redirect(w, r, to, "Not done: "+fieldText(err))
		}
		return err
	}
	return s.redirect(w, r, to, ok)
}

func formInt(r *http.Request, name string) (int, bool) {
	v, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
	return v, err == nil
}

func (s *site) loyaltyProgramCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	rules := loyalty.DefaultRules()
	if v, err := strconv.ParseFloat(r.PostFormValue("earn_rate"), 64); err == nil {
		rules.EarnRate = v
	}
	if v, err := strconv.ParseFloat(r.PostFormValue("status_rate"), 64); err == nil {
		rules.StatusRate = v
	}
	rules.PoolHouseholds = r.PostFormValue("pool_households") == "1"
	in := loyalty.ProgramInput{Name: r.PostFormValue("name"), Currency: r.PostFormValue("currency"), Rules: &rules,
		Enrolment: r.PostFormValue("enrolment")}
	if v, ok := formInt(r, "expiry_months"); ok {
		in.ExpiryMonths = &v
	}
	if v, ok := formInt(r, "pending_days"); ok {
		in.PendingDays = &v
	}
	_, err := s.Loyalty.CreateProgram(r.Context(), a, in)
	return s.loyaltyDone(w, r, a, err, "/loyalty", "Program created.")
}

func (s *site) loyaltyRewardCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	program, _ := strconv.ParseInt(r.PostFormValue("program_id"), 10, 64)
	cost, _ := strconv.ParseInt(r.PostFormValue("cost"), 10, 64)
	rw := loyalty.Reward{ProgramID: program, Name: r.PostFormValue("name"), Cost: cost, Stock: -1,
		Partner: r.PostFormValue("partner"), Active: true}
	if v, ok := formInt(r, "stock"); ok {
		rw.Stock = int64(v)
	}
	if v, ok := formInt(r, "min_tier_rank"); ok {
		rw.MinTierRank = v
	}
	_, err := s.Loyalty.CreateReward(r.Context(), a, rw)
	return s.loyaltyDone(w, r, a, err, "/loyalty", "Reward added.")
}

// loyaltyTest shows what an order of an amount would earn.
func (s *site) loyaltyTest(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	amount, err := strconv.ParseFloat(r.PostFormValue("amount"), 64)
	if err != nil || amount < 0 || amount > 1e9 {
		return s.renderLoyalty(w, r, a, http.StatusUnprocessableEntity, "Give the order amount as a number.", nil)
	}
	e, err := s.Loyalty.TestRules(r.Context(), a, id, loyalty.Purchase{Lines: []loyalty.Line{{SKU: "ORDER",
		Category: strings.TrimSpace(r.PostFormValue("category")), Quantity: 1, LineTotal: int64(amount*loyalty.Scale + 0.5)}}}, 0)
	if err != nil {
		return err
	}
	return s.renderLoyalty(w, r, a, http.StatusOK, "", &e)
}

// loyaltyCards are a customer's memberships for the profile.
func (s *site) loyaltyCards(r *http.Request, a auth.Actor, customerID int64) ([]LoyaltyCard, []loyalty.Program, error) {
	ctx := r.Context()
	views, err := s.Loyalty.CustomerMemberships(ctx, a, customerID)
	if err != nil {
		return nil, nil, err
	}
	programs, err := s.Loyalty.Programs(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	var cards []LoyaltyCard
	for _, v := range views {
		c := LoyaltyCard{View: v, Period: time.Now().UTC().Format("2006-01")}
		if c.Recent, err = s.Loyalty.Transactions(ctx, a, v.ID, 8); err != nil {
			return nil, nil, err
		}
		rewards, err := s.Loyalty.Rewards(ctx, a, v.ProgramID)
		if err != nil {
			return nil, nil, err
		}
		rank := 0
		if v.Tier != nil {
			rank = v.Tier.Rank
		}
		for _, rw := range rewards {
			if rw.Active && rw.Cost <= v.HouseholdBalance && rw.MinTierRank <= rank && rw.Stock != 0 {
				c.Rewards = append(c.Rewards, rw)
			}
		}
		if v.NextTier != nil && v.NextTier.Threshold > 0 {
			c.Progress = int(min(100, 100*v.Qualifying/v.NextTier.Threshold))
		}
		cards = append(cards, c)
	}
	return cards, programs, nil
}

func (s *site) memberBack(w http.ResponseWriter, r *http.Request, a auth.Actor, memberID int64, err error, ok string) error {
	m, ferr := s.Loyalty.Member(r.Context(), a, memberID)
	if ferr != nil {
		return ferr
	}
	return s.loyaltyDone(w, r, a, err, fmt.Sprintf("/customers/%d#loyalty", m.CustomerID), ok)
}

func (s *site) loyaltyEnrol(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	program, _ := strconv.ParseInt(r.PostFormValue("program_id"), 10, 64)
	_, err = s.Loyalty.Enrol(r.Context(), a, id, program, "agent")
	return s.loyaltyDone(w, r, a, err, fmt.Sprintf("/customers/%d#loyalty", id), "Enrolled.")
}

func (s *site) loyaltyAdjust(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pts, perr := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("points")), 10, 64)
	if perr != nil {
		err = fault.Field("points", "must be a whole number")
	} else {
		_, err = s.Loyalty.Adjust(r.Context(), a, id, pts, r.PostFormValue("reason"), "")
	}
	return s.memberBack(w, r, a, id, err, fmt.Sprintf("%s points recorded.", signed(pts)))
}

func (s *site) loyaltyRedeem(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	reward, _ := strconv.ParseInt(r.PostFormValue("reward_id"), 10, 64)
	v, _, err := s.Loyalty.Redeem(r.Context(), a, id, loyalty.RedeemInput{RewardID: reward, Key: r.PostFormValue("key")})
	return s.memberBack(w, r, a, id, err, fmt.Sprintf("Redeemed %s: voucher %s.", v.RewardName, v.Code))
}

// memberStatement shows a member's statement to a user, with the signed
// link the customer gets.
func (s *site) memberStatement(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, m, p, err := s.Loyalty.Statement(r.Context(), a, id, r.PathValue("period"))
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "pdf" {
		return writePDF(w, fmt.Sprintf("statement-%s-%s.pdf", m.Number, st.Period), loyalty.StatementPDF(st, m, p))
	}
	b := s.pageBase(w, r, a, p.Name+" statement "+st.Period, "loyalty")
	return render(w, r, http.StatusOK, statementPage(b, st, m, p, "?format=pdf"))
}

// publicStatement is the statement page a customer opens from the signed
// link in the statement email.
func (s *site) publicStatement(w http.ResponseWriter, r *http.Request) error {
	st, m, p, err := s.Loyalty.StatementByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if r.URL.Query().Get("format") == "pdf" {
		return writePDF(w, fmt.Sprintf("statement-%s.pdf", st.Period), loyalty.StatementPDF(st, m, p))
	}
	b := s.pageBase(w, r, auth.Actor{}, p.Name+" statement "+st.Period, "")
	return render(w, r, http.StatusOK, statementPage(b, st, m, p, "?format=pdf"))
}

func writePDF(w http.ResponseWriter, name string, b []byte) error {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
	_, err := w.Write(b)
	return err
}

func (s *site) loyaltyRoutes(mux *http.ServeMux) {
	if s.Loyalty == nil {
		return
	}
	mux.Handle("GET /loyalty", s.user(s.loyaltyHome))
	mux.Handle("POST /loyalty/programs", s.user(s.loyaltyProgramCreate))
	mux.Handle("POST /loyalty/programs/{id}/test", s.user(s.loyaltyTest))
	mux.Handle("POST /loyalty/rewards", s.user(s.loyaltyRewardCreate))
	mux.Handle("POST /customers/{id}/loyalty/enrol", s.user(s.loyaltyEnrol))
	mux.Handle("POST /loyalty/members/{id}/adjust", s.user(s.loyaltyAdjust))
	mux.Handle("POST /loyalty/members/{id}/redeem", s.user(s.loyaltyRedeem))
	mux.Handle("GET /loyalty/members/{id}/statement/{period}", s.user(s.memberStatement))
	mux.Handle("GET /loyalty/statement/{token}", s.handle(s.publicStatement))
}
