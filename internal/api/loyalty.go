package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/loyalty"
)

// TierJSON is a membership level.
type TierJSON struct {
	Name           string   `json:"name" minLength:"1" maxLength:"60"`
	Threshold      float64  `json:"threshold" minimum:"0" doc:"Qualifying points (or currency units of spend) over the tier period."`
	EarnMultiplier float64  `json:"earn_multiplier,omitempty" doc:"1.5 earns half as much again (default 1)."`
	Benefits       []string `json:"benefits,omitempty" doc:"free_shipping, priority_service, exclusive_rewards, birthday_gift"`
}

// ProgramJSON is a loyalty program.
type ProgramJSON struct {
	ID            int64          `json:"id" readOnly:"true"`
	Name          string         `json:"name" maxLength:"100"`
	Currency      string         `json:"currency,omitempty" maxLength:"3" doc:"Only orders in this currency earn; empty for any."`
	Rules         *loyalty.Rules `json:"rules,omitempty"`
	PointValue    *float64       `json:"point_value,omitempty" doc:"What a point is worth in currency units, for the liability report."`
	ExpiryMonths  *int           `json:"expiry_months,omitempty" doc:"Points expire this many months after they were earned (0: never)."`
	PendingDays   *int           `json:"pending_days,omitempty" doc:"Points stay pending this many days (the return window)."`
	Enrolment     string         `json:"enrolment,omitempty" enum:"auto,opt_in,"`
	TierBasis     string         `json:"tier_basis,omitempty" enum:"points,spend,"`
	TierPeriod    string         `json:"tier_period,omitempty" enum:"rolling_12,calendar_year,"`
	TierGraceDays *int           `json:"tier_grace_days,omitempty"`
	EarnFrom      time.Time      `json:"earn_from,omitzero" doc:"Orders before this earn nothing."`
	Tiers         []TierJSON     `json:"tiers,omitempty" doc:"From the lowest."`
	Active        *bool          `json:"active,omitempty"`
}

func (in ProgramJSON) input() loyalty.ProgramInput {
	out := loyalty.ProgramInput{Name: in.Name, Currency: in.Currency, Rules: in.Rules, PointValue: in.PointValue,
		ExpiryMonths: in.ExpiryMonths, PendingDays: in.PendingDays, Enrolment: in.Enrolment, TierBasis: in.TierBasis,
		TierPeriod: in.TierPeriod, TierGraceDays: in.TierGraceDays, EarnFrom: in.EarnFrom, Active: in.Active}
	if in.Tiers != nil {
		out.Tiers = []loyalty.TierInput{}
		for _, t := range in.Tiers {
			out.Tiers = append(out.Tiers, loyalty.TierInput{Name: t.Name, Threshold: t.Threshold, EarnMultiplier: t.EarnMultiplier,
				Benefits: t.Benefits})
		}
	}
	return out
}

func tierJSON(p loyalty.Program, t loyalty.Tier) TierJSON {
	th := float64(t.Threshold)
	if p.TierBasis == "spend" {
		th /= loyalty.Scale
	}
	return TierJSON{Name: t.Name, Threshold: th, EarnMultiplier: float64(t.EarnMultiplier) / 1000, Benefits: t.Benefits}
}

func programJSON(p loyalty.Program) ProgramJSON {
	pv := float64(p.PointValue) / loyalty.Scale
	out := ProgramJSON{ID: p.ID, Name: p.Name, Currency: p.Currency, Rules: &p.Rules, PointValue: &pv, ExpiryMonths: &p.ExpiryMonths,
		PendingDays: &p.PendingDays, Enrolment: p.Enrolment, TierBasis: p.TierBasis, TierPeriod: p.TierPeriod,
		TierGraceDays: &p.TierGraceDays, EarnFrom: p.EarnFrom, Active: &p.Active, Tiers: []TierJSON{}}
	for _, t := range p.Tiers {
		out.Tiers = append(out.Tiers, tierJSON(p, t))
	}
	return out
}

// LoyaltyMemberJSON is a member with balance, tier and progress.
type LoyaltyMemberJSON struct {
	ID           int64     `json:"id"`
	ProgramID    int64     `json:"program_id"`
	Program      string    `json:"program"`
	CustomerID   int64     `json:"customer_id"`
	Number       string    `json:"number"`
	Status       string    `json:"status"`
	Balance      int64     `json:"balance"`
	Pending      int64     `json:"pending"`
	Tier         string    `json:"tier,omitempty"`
	TierSince    time.Time `json:"tier_since,omitzero"`
	Qualifying   int64     `json:"qualifying"`
	NextTier     string    `json:"next_tier,omitempty"`
	ToNextTier   int64     `json:"to_next_tier,omitempty"`
	DowngradeDue time.Time `json:"downgrade_notice_at,omitzero"`
	EnrolledAt   time.Time `json:"enrolled_at"`
	// Programs that pool households: the household's other members and
	// the points all of them can spend together.
	HouseholdMemberIDs []int64 `json:"household_member_ids,omitempty"`
	HouseholdBalance   int64   `json:"household_balance,omitempty"`
}

func loyaltyMemberJSON(v loyalty.MemberView) LoyaltyMemberJSON {
	out := LoyaltyMemberJSON{ID: v.ID, ProgramID: v.ProgramID, Program: v.Program.Name, CustomerID: v.CustomerID, Number: v.Number,
		Status: v.Status, Balance: v.Balance, Pending: v.Pending, TierSince: v.TierSince, Qualifying: v.Qualifying,
		DowngradeDue: v.TierNoticeAt, EnrolledAt: v.EnrolledAt}
	if v.Tier != nil {
		out.Tier = v.Tier.Name
	}
	if v.NextTier != nil {
		out.NextTier, out.ToNextTier = v.NextTier.Name, v.ToNext
	}
	if len(v.Household) > 0 {
		out.HouseholdBalance = v.HouseholdBalance
		for _, h := range v.Household {
			out.HouseholdMemberIDs = append(out.HouseholdMemberIDs, h.ID)
		}
	}
	return out
}

// NoticeJSON is an expiry notice: points of the member expiring soon.
type NoticeJSON struct {
	ID        int64     `json:"id"`
	Period    string    `json:"period" doc:"Month (yyyy-mm) of the earliest expiry it warns of; one notice per member and month."`
	Points    int64     `json:"points" doc:"Points expiring within the program's notice period."`
	ExpiresAt time.Time `json:"expires_at" doc:"When the earliest of them expire."`
	CreatedAt time.Time `json:"created_at"`
	Email     string    `json:"email" doc:"none, queued, sending, sent, failed, skipped or uncertain (a stop cut the sending short)."`
}

// TxnJSON is one change of a member's points.
type TxnJSON struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"`
	Points     int64     `json:"points"`
	Status     string    `json:"status"`
	Remaining  int64     `json:"remaining,omitempty" doc:"For credits: what is left to spend."`
	OrderID    int64     `json:"order_id,omitempty"`
	ReversesID int64     `json:"reverses_id,omitempty"`
	Reason     string    `json:"reason"`
	OccurredAt time.Time `json:"occurred_at"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
}

func txnJSON(x loyalty.Txn) TxnJSON {
	return TxnJSON{ID: x.ID, Kind: x.Kind, Points: x.Points, Status: x.Status, Remaining: x.Remaining, OrderID: x.OrderID,
		ReversesID: x.ReversesID, Reason: x.Reason, OccurredAt: x.OccurredAt, CreatedAt: x.CreatedAt, ExpiresAt: x.ExpiresAt}
}

// VoucherJSON is a redemption and the code an order can use.
type VoucherJSON struct {
	ID        int64     `json:"id"`
	MemberID  int64     `json:"member_id"`
	RewardID  int64     `json:"reward_id,omitempty"`
	Reward    string    `json:"reward,omitempty"`
	Points    int64     `json:"points"`
	Code      string    `json:"code"`
	Status    string    `json:"status"`
	OrderID   int64     `json:"order_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

func voucherJSON(v loyalty.Voucher) VoucherJSON {
	return VoucherJSON{ID: v.ID, MemberID: v.MemberID, RewardID: v.RewardID, Reward: v.RewardName, Points: v.Points, Code: v.Code,
		Status: v.Status, OrderID: v.OrderID, CreatedAt: v.CreatedAt}
}

// RewardJSON is an item of the reward catalogue.
type RewardJSON struct {
	ID          int64     `json:"id" readOnly:"true"`
	ProgramID   int64     `json:"program_id" minimum:"1"`
	Name        string    `json:"name" minLength:"1" maxLength:"100"`
	Description string    `json:"description,omitempty" maxLength:"1000"`
	Cost        int64     `json:"cost" minimum:"1" doc:"Points."`
	Stock       *int64    `json:"stock,omitempty" minimum:"0" doc:"Leave out for unlimited."`
	MinTier     int       `json:"min_tier_rank,omitempty" minimum:"0" doc:"Only members of this tier rank (1 = lowest) or higher."`
	Partner     string    `json:"partner,omitempty" maxLength:"100" doc:"A partner reward hands out codes from the partner's pool."`
	ValidFrom   time.Time `json:"valid_from,omitzero"`
	ValidTo     time.Time `json:"valid_to,omitzero"`
	Active      *bool     `json:"active,omitempty"`
	CodesLeft   int       `json:"codes_left" readOnly:"true"`
}

func rewardJSON(r loyalty.Reward) RewardJSON {
	out := RewardJSON{ID: r.ID, ProgramID: r.ProgramID, Name: r.Name, Description: r.Description, Cost: r.Cost, MinTier: r.MinTierRank,
		Partner: r.Partner, ValidFrom: r.ValidFrom, ValidTo: r.ValidTo, Active: &r.Active, CodesLeft: r.CodesLeft}
	if r.Stock >= 0 {
		out.Stock = &r.Stock
	}
	return out
}

func (in RewardJSON) reward() loyalty.Reward {
	r := loyalty.Reward{ProgramID: in.ProgramID, Name: in.Name, Description: in.Description, Cost: in.Cost, Stock: -1,
		MinTierRank: in.MinTier, Partner: in.Partner, ValidFrom: in.ValidFrom, ValidTo: in.ValidTo, Active: true}
	if in.Stock != nil {
		r.Stock = *in.Stock
	}
	if in.Active != nil {
		r.Active = *in.Active
	}
	return r
}

// StatementJSON is a monthly loyalty statement.
type StatementJSON struct {
	MemberID     int64  `json:"member_id"`
	Period       string `json:"period"`
	Opening      int64  `json:"opening_balance"`
	Earned       int64  `json:"earned"`
	Spent        int64  `json:"spent"`
	Expired      int64  `json:"expired"`
	Adjusted     int64  `json:"adjusted"`
	Closing      int64  `json:"closing_balance"`
	ExpiringSoon int64  `json:"expiring_next_two_months"`
	Tier         string `json:"tier,omitempty"`
	NextTier     string `json:"next_tier,omitempty"`
	ToNextTier   int64  `json:"to_next_tier,omitempty"`
	Final        bool   `json:"final" doc:"False for the month in progress."`
	EmailState   string `json:"email,omitempty"`
}

func statementJSON(st loyalty.Statement) StatementJSON {
	return StatementJSON{MemberID: st.MemberID, Period: st.Period, Opening: st.Opening, Earned: st.Earned, Spent: st.Spent,
		Expired: st.Expired, Adjusted: st.Adjusted, Closing: st.Closing, ExpiringSoon: st.ExpiringSoon, Tier: st.Tier,
		NextTier: st.NextTier, ToNextTier: st.ToNext, Final: st.ID != 0, EmailState: st.EmailState}
}

// RuleTestLine is an order line for the rule tester.
type RuleTestLine struct {
	SKU       string  `json:"sku" minLength:"1"`
	Category  string  `json:"category,omitempty"`
	Quantity  int64   `json:"quantity" minimum:"1"`
	UnitPrice float64 `json:"unit_price" minimum:"0"`
}

// LiabilityJSON is the outstanding points expiring in a month.
type LiabilityJSON struct {
	Month  string  `json:"expires" doc:"yyyy-mm, or never"`
	Points int64   `json:"points"`
	Value  float64 `json:"value"`
}

type idPath struct {
	ID int64 `path:"id" minimum:"1"`
}

func (s *server) registerLoyalty(api huma.API) {
	tags := []string{"Loyalty"}
	huma.Register(api, huma.Operation{OperationID: "list-loyalty-programs", Method: http.MethodGet, Path: "/loyalty/programs",
		Summary: "Loyalty programs", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []ProgramJSON }, error) {
			ps, err := s.Loyalty.Programs(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "loyalty programs", err)
			}
			out := []ProgramJSON{}
			for _, p := range ps {
				out = append(out, programJSON(p))
			}
			return &struct{ Body []ProgramJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-loyalty-program", Method: http.MethodPost, Path: "/loyalty/programs",
		Summary: "Create a program (with default rules and tiers for what is left out)", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body ProgramJSON }) (*struct{ Body ProgramJSON }, error) {
			p, err := s.Loyalty.CreateProgram(ctx, actorFrom(ctx), in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "create loyalty program", err)
			}
			return &struct{ Body ProgramJSON }{programJSON(p)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-loyalty-program", Method: http.MethodGet, Path: "/loyalty/programs/{id}",
		Summary: "A loyalty program", Tags: tags},
		func(ctx context.Context, in *idPath) (*struct{ Body ProgramJSON }, error) {
			p, err := s.Loyalty.Program(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "loyalty program", err)
			}
			return &struct{ Body ProgramJSON }{programJSON(p)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-loyalty-program", Method: http.MethodPut, Path: "/loyalty/programs/{id}",
		Summary: "Change a program's rules, tiers or settings", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body ProgramJSON
		}) (*struct{ Body ProgramJSON }, error) {
			p, err := s.Loyalty.UpdateProgram(ctx, actorFrom(ctx), in.ID, in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "update loyalty program", err)
			}
			return &struct{ Body ProgramJSON }{programJSON(p)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "test-loyalty-rules", Method: http.MethodPost, Path: "/loyalty/programs/{id}/test",
		Summary: "What an order would earn, and why", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				OrderedAt time.Time      `json:"ordered_at,omitzero"`
				Currency  string         `json:"currency,omitempty" maxLength:"3"`
				Tier      string         `json:"tier,omitempty" doc:"Earn as a member of this tier."`
				Lines     []RuleTestLine `json:"lines" minItems:"1" maxItems:"1000"`
			}
		}) (*struct {
			Body struct {
				Points     int64                `json:"points"`
				Qualifying int64                `json:"qualifying"`
				Lines      []loyalty.LinePoints `json:"lines"`
				Why        []string             `json:"why"`
			}
		}, error) {
			a := actorFrom(ctx)
			p, err := s.Loyalty.Program(ctx, a, in.ID)
			if err != nil {
				return nil, s.fail(ctx, "test rules", err)
			}
			o := loyalty.Purchase{At: in.Body.OrderedAt, Currency: in.Body.Currency}
			for _, l := range in.Body.Lines {
				o.Lines = append(o.Lines, loyalty.Line{SKU: l.SKU, Category: l.Category, Quantity: l.Quantity,
					LineTotal: l.Quantity * int64(l.UnitPrice*loyalty.Scale+0.5)})
			}
			tierID := int64(0)
			for _, t := range p.Tiers {
				if t.Name == in.Body.Tier {
					tierID = t.ID
				}
			}
			e, err := s.Loyalty.TestRules(ctx, a, in.ID, o, tierID)
			if err != nil {
				return nil, s.fail(ctx, "test rules", err)
			}
			out := &struct {
				Body struct {
					Points     int64                `json:"points"`
					Qualifying int64                `json:"qualifying"`
					Lines      []loyalty.LinePoints `json:"lines"`
					Why        []string             `json:"why"`
				}
			}{}
			out.Body.Points, out.Body.Qualifying, out.Body.Lines, out.Body.Why = e.Points, e.Qualifying, e.Lines, e.Why
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "loyalty-liability", Method: http.MethodGet, Path: "/loyalty/programs/{id}/liability",
		Summary: "Outstanding points and their value by expiry month", Tags: tags},
		func(ctx context.Context, in *idPath) (*struct {
			Body []LiabilityJSON
		}, error) {
			rows, err := s.Loyalty.Liability(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "liability", err)
			}
			out := &struct{ Body []LiabilityJSON }{Body: []LiabilityJSON{}}
			for _, r := range rows {
				out.Body = append(out.Body, LiabilityJSON{r.Month, r.Points, float64(r.Value) / loyalty.Scale})
			}
			return out, nil
		})
	s.registerLoyaltyMembers(api, tags)
	s.registerLoyaltyRewards(api, tags)
}
