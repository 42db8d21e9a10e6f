package loyalty

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// The rewards catalogue and redemptions.

func (s *Service) checkReward(ctx context.Context, r *Reward) error {
	var f fault.Fields
	r.Name, r.Partner = strings.TrimSpace(r.Name), strings.TrimSpace(r.Partner)
	if r.Name == "" {
		f.Add("name", "must be given")
	}
	if r.Cost <= 0 {
		f.Add("cost", "must be at least 1 point")
	}
	if !r.ValidFrom.IsZero() && !r.ValidTo.IsZero() && !r.ValidTo.After(r.ValidFrom) {
		f.Add("valid_to", "must be after valid_from")
	}
	p, err := s.store.FindProgram(ctx, r.ProgramID)
	if err != nil {
		f.Add("program_id", "is not a loyalty program")
	} else if r.MinTierRank > len(p.Tiers) {
		f.Add("min_tier_rank", "the program has %d tiers", len(p.Tiers))
	}
	return f.Err()
}

// CreateReward adds a reward to a program's catalogue.
func (s *Service) CreateReward(ctx context.Context, a auth.Actor, r Reward) (Reward, error) {
	if err := a.Require(auth.LoyaltyAdmin); err != nil {
		return Reward{}, err
	}
	if err := s.checkReward(ctx, &r); err != nil {
		return Reward{}, err
	}
	r.CreatedAt, r.UpdatedAt = s.clock(), s.clock()
	e := a.Audit("create", "loyalty_reward", 0, r.CreatedAt)
	e.Changes = []audit.Change{{Field: "name", New: r.Name}, {Field: "cost", New: fmt.Sprint(r.Cost)}}
	id, err := s.store.CreateReward(ctx, r, e)
	if err != nil {
		return Reward{}, err
	}
	return s.store.FindReward(ctx, id)
}

// UpdateReward changes a reward (its program stays).
func (s *Service) UpdateReward(ctx context.Context, a auth.Actor, id int64, r Reward) (Reward, error) {
	if err := a.Require(auth.LoyaltyAdmin); err != nil {
		return Reward{}, err
	}
	old, err := s.store.FindReward(ctx, id)
	if err != nil {
		return Reward{}, err
	}
	r.ID, r.ProgramID = id, old.ProgramID
	if err := s.checkReward(ctx, &r); err != nil {
		return Reward{}, err
	}
	r.UpdatedAt = s.clock()
	e := a.Audit("update", "loyalty_reward", id, r.UpdatedAt)
	e.Changes = []audit.Change{{Field: "cost", Old: fmt.Sprint(old.Cost), New: fmt.Sprint(r.Cost)},
		{Field: "stock", Old: fmt.Sprint(old.Stock), New: fmt.Sprint(r.Stock)}}
	if err := s.store.UpdateReward(ctx, r, e); err != nil {
		return Reward{}, err
	}
	return s.store.FindReward(ctx, id)
}

// Available lists the rewards a member can take now: active and in their
// dates, in stock (a partner's with codes left), open to their tier, and
// within the points they (and a pooling household) can spend. It is for
// the member's own views, where the member is already known.
func (s *Service) Available(ctx context.Context, m MemberView) ([]Reward, error) {
	rs, err := s.store.Rewards(ctx, m.ProgramID)
	if err != nil {
		return nil, err
	}
	rank, now := 0, s.clock()
	if m.Tier != nil {
		rank = m.Tier.Rank
	}
	var out []Reward
	for _, r := range rs {
		if r.Active && r.Stock != 0 && (r.Partner == "" || r.CodesLeft > 0) && r.MinTierRank <= rank && r.Cost <= m.HouseholdBalance &&
			(r.ValidFrom.IsZero() || !now.Before(r.ValidFrom)) && (r.ValidTo.IsZero() || now.Before(r.ValidTo)) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Rewards lists the catalogue (0: every program).
func (s *Service) Rewards(ctx context.Context, a auth.Actor, programID int64) ([]Reward, error) {
	if err := a.Require(auth.LoyaltyRead); err != nil {
		return nil, err
	}
	return s.store.Rewards(ctx, programID)
}

// AddRewardCodes adds partner codes to a reward's pool.
func (s *Service) AddRewardCodes(ctx context.Context, a auth.Actor, rewardID int64, codes []string) (int, error) {
	if err := a.Require(auth.LoyaltyAdmin); err != nil {
		return 0, err
	}
	r, err := s.store.FindReward(ctx, rewardID)
	if err != nil {
		return 0, err
	}
	if r.Partner == "" {
		return 0, fault.Field("codes", "only partner rewards hand out codes from a pool; set the reward's partner first")
	}
	clean := make([]string, 0, len(codes))
	for i, c := range codes {
		c = strings.TrimSpace(c)
		if c == "" || len(c) > 80 {
			return 0, fault.Field(fmt.Sprintf("codes[%d]", i), "must be 1 to 80 characters")
		}
		clean = append(clean, c)
	}
	return s.store.AddRewardCodes(ctx, rewardID, clean)
}

// RedeemInput asks to spend points on a reward, or a number of points on
// a discount voucher.
type RedeemInput struct {
	RewardID int64
	Points   int64
	Key      string
}

// Redeem spends a member's points. A repeated idempotency key returns the
// first voucher (replayed true); too few points is a Conflict.
func (s *Service) Redeem(ctx context.Context, a auth.Actor, memberID int64, in RedeemInput) (Voucher, bool, error) {
	if err := a.Require(auth.LoyaltyWrite); err != nil {
		return Voucher{}, false, err
	}
	if (in.RewardID == 0) == (in.Points <= 0) {
		return Voucher{}, false, fault.Field("reward_id", "give a reward_id or a number of points, not both")
	}
	if len(in.Key) > 100 {
		return Voucher{}, false, fault.Field("idempotency_key", "must be at most 100 characters")
	}
	m, err := s.member(ctx, a, memberID)
	if err != nil {
		return Voucher{}, false, err
	}
	p, err := s.store.FindProgram(ctx, m.ProgramID)
	if err != nil {
		return Voucher{}, false, err
	}
	now := s.clock()
	cost, reason := in.Points, fmt.Sprintf("%d points for a voucher.", in.Points)
	if in.RewardID != 0 {
		r, err := s.store.FindReward(ctx, in.RewardID)
		if err != nil || r.ProgramID != m.ProgramID {
			return Voucher{}, false, fault.Field("reward_id", "is not a reward of the member's program")
		}
		if !r.Active || (!r.ValidFrom.IsZero() && now.Before(r.ValidFrom)) || (!r.ValidTo.IsZero() && !now.Before(r.ValidTo)) {
			return Voucher{}, false, fault.New(fault.Conflict, "The reward %s is not available now.", r.Name)
		}
		if t := p.Tier(m.TierID); r.MinTierRank > 0 && (t == nil || t.Rank < r.MinTierRank) {
			return Voucher{}, false, fault.New(fault.Conflict, "The reward %s is for higher tiers.", r.Name)
		}
		cost, reason = r.Cost, "Reward: "+r.Name
	}
	// In a program that pools households, the other members' points make
	// up what this member lacks.
	var pool []int64
	if p.Rules.PoolHouseholds {
		hh, err := s.store.HouseholdMembers(ctx, m.ID)
		if err != nil {
			return Voucher{}, false, err
		}
		for _, h := range hh {
			pool = append(pool, h.ID)
		}
	}
	x := Txn{MemberID: memberID, Kind: Redemption, Points: cost, Reason: reason, Key: in.Key, CreatedBy: a.UserID,
		OccurredAt: now, CreatedAt: now, AvailableAt: now}
	e := a.Audit("redeem", "loyalty_member", memberID, now)
	e.CustomerID = m.CustomerID
	e.Changes = []audit.Change{{Field: "points", New: fmt.Sprint(-cost)}, {Field: "for", New: reason}}
	v, created, err := s.store.RedeemPoints(ctx, Voucher{RewardID: in.RewardID}, x, pool, now, e)
	if errors.Is(err, ErrShort) {
		if len(pool) > 0 {
			return Voucher{}, false, fault.New(fault.Conflict, "The member's household has fewer than %d points together.", cost)
		}
		return Voucher{}, false, fault.New(fault.Conflict, "The member has fewer than %d points.", cost)
	}
	return v, !created && err == nil, err
}

// UseVoucher records that an order consumed a voucher.
func (s *Service) UseVoucher(ctx context.Context, a auth.Actor, code string, orderID int64) (Voucher, error) {
	if err := a.Require(auth.LoyaltyWrite); err != nil {
		return Voucher{}, err
	}
	return s.store.UseVoucher(ctx, strings.TrimSpace(code), orderID, s.clock())
}
