package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/loyalty"
)

// LoyaltyMemberOutput is one member.
type LoyaltyMemberOutput struct{ Body LoyaltyMemberJSON }

func (s *server) registerLoyaltyMembers(api huma.API, tags []string) {
	huma.Register(api, huma.Operation{OperationID: "enrol-member", Method: http.MethodPost, Path: "/loyalty/members",
		Summary: "Enrol a customer in a program", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			Body struct {
				CustomerID int64  `json:"customer_id" minimum:"1"`
				ProgramID  int64  `json:"program_id" minimum:"1"`
				Source     string `json:"source,omitempty" maxLength:"40" doc:"Where the customer opted in (till, web, agent…)."`
			}
		}) (*LoyaltyMemberOutput, error) {
			v, err := s.Loyalty.Enrol(ctx, actorFrom(ctx), in.Body.CustomerID, in.Body.ProgramID, in.Body.Source)
			if err != nil {
				return nil, s.fail(ctx, "enrol", err)
			}
			return &LoyaltyMemberOutput{loyaltyMemberJSON(v)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-member", Method: http.MethodGet, Path: "/loyalty/members/{id}",
		Summary: "A member: balance, tier and progress", Tags: tags},
		func(ctx context.Context, in *idPath) (*LoyaltyMemberOutput, error) {
			v, err := s.Loyalty.Member(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "member", err)
			}
			return &LoyaltyMemberOutput{loyaltyMemberJSON(v)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-member-status", Method: http.MethodPut, Path: "/loyalty/members/{id}/status",
		Summary: "Suspend, close or reactivate a membership", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				Status string `json:"status" enum:"active,suspended,closed"`
			}
		}) (*LoyaltyMemberOutput, error) {
			a := actorFrom(ctx)
			if err := s.Loyalty.SetStatus(ctx, a, in.ID, in.Body.Status); err != nil {
				return nil, s.fail(ctx, "member status", err)
			}
			v, err := s.Loyalty.Member(ctx, a, in.ID)
			if err != nil {
				return nil, s.fail(ctx, "member", err)
			}
			return &LoyaltyMemberOutput{loyaltyMemberJSON(v)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "customer-loyalty", Method: http.MethodGet, Path: "/customers/{id}/loyalty",
		Summary: "A customer's memberships", Tags: tags},
		func(ctx context.Context, in *idPath) (*struct{ Body []LoyaltyMemberJSON }, error) {
			vs, err := s.Loyalty.CustomerMemberships(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "customer loyalty", err)
			}
			out := []LoyaltyMemberJSON{}
			for _, v := range vs {
				out = append(out, loyaltyMemberJSON(v))
			}
			return &struct{ Body []LoyaltyMemberJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "member-transactions", Method: http.MethodGet, Path: "/loyalty/members/{id}/transactions",
		Summary: "A member's points ledger, newest first", Tags: tags},
		func(ctx context.Context, in *struct {
			ID    int64 `path:"id" minimum:"1"`
			Limit int   `query:"limit" minimum:"0" maximum:"1000"`
		}) (*struct{ Body []TxnJSON }, error) {
			xs, err := s.Loyalty.Transactions(ctx, actorFrom(ctx), in.ID, in.Limit)
			if err != nil {
				return nil, s.fail(ctx, "transactions", err)
			}
			out := []TxnJSON{}
			for _, x := range xs {
				out = append(out, txnJSON(x))
			}
			return &struct{ Body []TxnJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "member-notices", Method: http.MethodGet, Path: "/loyalty/members/{id}/notices",
		Summary: "The expiry notices of a member, newest first", Tags: tags},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*struct{ Body []NoticeJSON }, error) {
			ns, err := s.Loyalty.Notices(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "notices", err)
			}
			out := []NoticeJSON{}
			for _, n := range ns {
				out = append(out, NoticeJSON{ID: n.ID, Period: n.Period, Points: n.Points, ExpiresAt: n.ExpiresAt, CreatedAt: n.CreatedAt,
					Email: n.EmailState})
			}
			return &struct{ Body []NoticeJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "adjust-points", Method: http.MethodPost, Path: "/loyalty/members/{id}/adjustments",
		Summary: "Add or take points by hand, with a reason", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				Points         int64  `json:"points" doc:"Negative to take points."`
				Reason         string `json:"reason" maxLength:"500"`
				IdempotencyKey string `json:"idempotency_key,omitempty" maxLength:"100"`
			}
		}) (*struct{ Body TxnJSON }, error) {
			x, err := s.Loyalty.Adjust(ctx, actorFrom(ctx), in.ID, in.Body.Points, in.Body.Reason, in.Body.IdempotencyKey)
			if err != nil {
				return nil, s.fail(ctx, "adjust", err)
			}
			return &struct{ Body TxnJSON }{txnJSON(x)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "transfer-points", Method: http.MethodPost, Path: "/loyalty/members/{id}/transfers",
		Summary: "Move points to another member of the program (household pooling, gifts)", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				ToMemberID     int64  `json:"to_member_id" minimum:"1"`
				Points         int64  `json:"points" minimum:"1"`
				Reason         string `json:"reason,omitempty" maxLength:"200"`
				IdempotencyKey string `json:"idempotency_key,omitempty" maxLength:"100"`
			}
		}) (*struct{ Body TxnJSON }, error) {
			x, err := s.Loyalty.TransferPoints(ctx, actorFrom(ctx), in.ID, in.Body.ToMemberID, in.Body.Points, in.Body.Reason,
				in.Body.IdempotencyKey)
			if err != nil {
				return nil, s.fail(ctx, "transfer", err)
			}
			return &struct{ Body TxnJSON }{txnJSON(x)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "redeem-points", Method: http.MethodPost, Path: "/loyalty/members/{id}/redemptions",
		Summary: "Spend points on a reward or a voucher (409 when the balance is short)", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				RewardID       int64  `json:"reward_id,omitempty"`
				Points         int64  `json:"points,omitempty" minimum:"0"`
				IdempotencyKey string `json:"idempotency_key,omitempty" maxLength:"100"`
			}
		}) (*struct {
			Status int
			Body   VoucherJSON
		}, error) {
			v, replayed, err := s.Loyalty.Redeem(ctx, actorFrom(ctx), in.ID, loyalty.RedeemInput{RewardID: in.Body.RewardID,
				Points: in.Body.Points, Key: in.Body.IdempotencyKey})
			if err != nil {
				return nil, s.fail(ctx, "redeem", err)
			}
			status := http.StatusCreated
			if replayed {
				status = http.StatusOK
			}
			return &struct {
				Status int
				Body   VoucherJSON
			}{status, voucherJSON(v)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "member-vouchers", Method: http.MethodGet, Path: "/loyalty/members/{id}/redemptions",
		Summary: "A member's redemption history", Tags: tags},
		func(ctx context.Context, in *idPath) (*struct{ Body []VoucherJSON }, error) {
			vs, err := s.Loyalty.Vouchers(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "redemptions", err)
			}
			out := []VoucherJSON{}
			for _, v := range vs {
				out = append(out, voucherJSON(v))
			}
			return &struct{ Body []VoucherJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "member-event", Method: http.MethodPost, Path: "/loyalty/members/{id}/events",
		Summary: "Points for an event (review, referral…), once per key", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				Event string `json:"event" enum:"signup,birthday,referral,review,survey_answered"`
				Key   string `json:"key" minLength:"1" maxLength:"80"`
			}
		}) (*struct {
			Status int
			Body   TxnJSON
		}, error) {
			x, created, err := s.Loyalty.AwardEvent(ctx, actorFrom(ctx), in.ID, in.Body.Event, in.Body.Key)
			if err != nil {
				return nil, s.fail(ctx, "event points", err)
			}
			status := http.StatusCreated
			if !created {
				status = http.StatusOK
			}
			return &struct {
				Status int
				Body   TxnJSON
			}{status, txnJSON(x)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "member-statement", Method: http.MethodGet,
		Path: "/loyalty/members/{id}/statements/{period}", Summary: "A member's statement for a month (yyyy-mm)", Tags: tags},
		func(ctx context.Context, in *struct {
			ID     int64  `path:"id" minimum:"1"`
			Period string `path:"period" pattern:"^[0-9]{4}-[0-9]{2}$"`
		}) (*struct{ Body StatementJSON }, error) {
			st, _, _, err := s.Loyalty.Statement(ctx, actorFrom(ctx), in.ID, in.Period)
			if err != nil {
				return nil, s.fail(ctx, "statement", err)
			}
			return &struct{ Body StatementJSON }{statementJSON(st)}, nil
		})
}

func (s *server) registerLoyaltyRewards(api huma.API, tags []string) {
	huma.Register(api, huma.Operation{OperationID: "list-rewards", Method: http.MethodGet, Path: "/loyalty/rewards",
		Summary: "The reward catalogue", Tags: tags},
		func(ctx context.Context, in *struct {
			ProgramID int64 `query:"program_id" minimum:"0"`
		}) (*struct{ Body []RewardJSON }, error) {
			rs, err := s.Loyalty.Rewards(ctx, actorFrom(ctx), in.ProgramID)
			if err != nil {
				return nil, s.fail(ctx, "rewards", err)
			}
			out := []RewardJSON{}
			for _, r := range rs {
				out = append(out, rewardJSON(r))
			}
			return &struct{ Body []RewardJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-reward", Method: http.MethodPost, Path: "/loyalty/rewards",
		Summary: "Add a reward", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body RewardJSON }) (*struct{ Body RewardJSON }, error) {
			r, err := s.Loyalty.CreateReward(ctx, actorFrom(ctx), in.Body.reward())
			if err != nil {
				return nil, s.fail(ctx, "create reward", err)
			}
			return &struct{ Body RewardJSON }{rewardJSON(r)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-reward", Method: http.MethodPut, Path: "/loyalty/rewards/{id}",
		Summary: "Change a reward", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body RewardJSON
		}) (*struct{ Body RewardJSON }, error) {
			r, err := s.Loyalty.UpdateReward(ctx, actorFrom(ctx), in.ID, in.Body.reward())
			if err != nil {
				return nil, s.fail(ctx, "update reward", err)
			}
			return &struct{ Body RewardJSON }{rewardJSON(r)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "add-reward-codes", Method: http.MethodPost, Path: "/loyalty/rewards/{id}/codes",
		Summary: "Add partner codes to a reward's pool", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				Codes []string `json:"codes" minItems:"1" maxItems:"100000"`
			}
		}) (*struct {
			Body struct {
				Added int `json:"added"`
			}
		}, error) {
			n, err := s.Loyalty.AddRewardCodes(ctx, actorFrom(ctx), in.ID, in.Body.Codes)
			if err != nil {
				return nil, s.fail(ctx, "reward codes", err)
			}
			out := &struct {
				Body struct {
					Added int `json:"added"`
				}
			}{}
			out.Body.Added = n
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "use-voucher", Method: http.MethodPost, Path: "/loyalty/vouchers/use",
		Summary: "An order consumes a voucher", Tags: tags},
		func(ctx context.Context, in *struct {
			Body struct {
				Code    string `json:"code" minLength:"1" maxLength:"80"`
				OrderID int64  `json:"order_id,omitempty"`
			}
		}) (*struct{ Body VoucherJSON }, error) {
			v, err := s.Loyalty.UseVoucher(ctx, actorFrom(ctx), in.Body.Code, in.Body.OrderID)
			if err != nil {
				return nil, s.fail(ctx, "use voucher", err)
			}
			return &struct{ Body VoucherJSON }{voucherJSON(v)}, nil
		})
}
