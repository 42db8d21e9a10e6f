// Package loyalty runs loyalty programs: members, a points ledger whose
// balances are always the sum of their transactions, points held in lots
// that expire oldest first, earning rules, tiers, rewards and statements.
package loyalty

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
)

// Program is a loyalty program.
type Program struct {
	ID            int64
	Name          string
	Currency      string // orders in other currencies earn nothing; "" for any
	Rules         Rules
	PointValue    int64 // what a point is worth, ten-thousandths of the currency
	ExpiryMonths  int   // points expire this long after they were earned (0: never)
	PendingDays   int   // points stay pending this long (the return window)
	Enrolment     string
	TierBasis     string // points or spend
	TierPeriod    string // rolling_12 or calendar_year
	TierGraceDays int
	EarnFrom      time.Time // orders before this earn nothing
	OrderCursor   int64
	Active        bool
	Tiers         []Tier
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Tier is a membership level.
type Tier struct {
	ID             int64    `json:"id"`
	Name           string   `json:"name"`
	Rank           int      `json:"rank"`
	Threshold      int64    `json:"threshold"`
	EarnMultiplier int64    `json:"-"` // thousandths
	Benefits       []string `json:"benefits"`
}

// TierBenefits are the benefits a tier can give.
var TierBenefits = []string{"free_shipping", "priority_service", "exclusive_rewards", "birthday_gift"}

// TierFor returns the highest tier a qualifying amount reaches, or nil.
func (p Program) TierFor(q int64) *Tier {
	var best *Tier
	for i := range p.Tiers {
		t := &p.Tiers[i]
		if q >= t.Threshold && (best == nil || t.Rank > best.Rank) {
			best = t
		}
	}
	return best
}

// Tier returns the tier with the id, or nil.
func (p Program) Tier(id int64) *Tier {
	for i := range p.Tiers {
		if p.Tiers[i].ID == id {
			return &p.Tiers[i]
		}
	}
	return nil
}

// NextTier returns the tier above rank, or nil.
func (p Program) NextTier(rank int) *Tier {
	var next *Tier
	for i := range p.Tiers {
		t := &p.Tiers[i]
		if t.Rank > rank && (next == nil || t.Rank < next.Rank) {
			next = t
		}
	}
	return next
}

// QualifyingSince is the start of the period whose qualifying points count
// for a tier at now. A calendar-year tier is kept for the year after it was
// earned, so last year counts too.
func (p Program) QualifyingSince(now time.Time) time.Time {
	if p.TierPeriod == "calendar_year" {
		return time.Date(now.Year()-1, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return now.AddDate(-1, 0, 0)
}

// Member statuses.
const (
	Active    = "active"
	Suspended = "suspended"
	Closed    = "closed"
)

// Member is a customer in a program.
type Member struct {
	ID           int64
	ProgramID    int64
	CustomerID   int64
	CustomerName string
	Number       string
	Status       string
	TierID       int64
	TierSince    time.Time
	TierNoticeAt time.Time
	Balance      int64
	Pending      int64
	Source       string
	EnrolledAt   time.Time
}

// MemberNumber is a member's card number: the program, the customer and a
// Luhn check digit, so that a mistyped number is caught at the till.
func MemberNumber(programID, customerID int64) string {
	s := fmt.Sprintf("%d%09d", programID, customerID)
	sum := 0
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if (len(s)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return s + string(rune('0'+(10-sum%10)%10))
}

// Transaction kinds.
const (
	Accrual    = "accrual"
	BonusKind  = "bonus"
	Redemption = "redemption"
	Adjustment = "adjustment"
	Expiry     = "expiry"
	Reversal   = "reversal"
	Transfer   = "transfer"
)

// Txn is one change of a member's points. Credits are lots: Remaining is
// what is left of them.
type Txn struct {
	ID          int64
	MemberID    int64
	Kind        string
	Points      int64
	Status      string // pending or posted
	Remaining   int64
	Qualifying  int64
	OrderID     int64
	ReversesID  int64
	Reason      string
	Detail      string
	Key         string // idempotency key
	CreatedBy   int64
	OccurredAt  time.Time
	CreatedAt   time.Time
	AvailableAt time.Time
	ExpiresAt   time.Time
}

// Reward is an item of the reward catalogue.
type Reward struct {
	ID          int64
	ProgramID   int64
	Name        string
	Description string
	Cost        int64
	Stock       int64 // -1: unlimited
	MinTierRank int
	Partner     string
	ValidFrom   time.Time
	ValidTo     time.Time
	Active      bool
	CodesLeft   int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Voucher is a redemption: points spent on a reward or a discount, and the
// code an order consumes.
type Voucher struct {
	ID         int64
	MemberID   int64
	RewardID   int64
	RewardName string
	TxnID      int64
	Points     int64
	Code       string
	Status     string // issued, used, cancelled
	OrderID    int64
	CreatedAt  time.Time
	UsedAt     time.Time
}

// Statement is a member's monthly statement.
type Statement struct {
	ID           int64
	MemberID     int64
	Period       string // yyyy-mm
	Opening      int64
	Earned       int64
	Spent        int64
	Expired      int64
	Adjusted     int64
	Closing      int64
	ExpiringSoon int64
	Tier         string
	NextTier     string
	ToNext       int64
	CreatedAt    time.Time
	EmailState   string
}

// Notice tells a member ahead of time that points are about to expire:
// one per member and month of expiry (Period).
type Notice struct {
	ID         int64
	MemberID   int64
	Period     string // yyyy-mm of the earliest expiry it warns of
	Points     int64
	ExpiresAt  time.Time // the earliest of those points expire then
	CreatedAt  time.Time
	EmailState string
}

// LiabilityRow is the outstanding points expiring in a month.
type LiabilityRow struct {
	Month  string // yyyy-mm, or "never"
	Points int64
	Value  int64 // ten-thousandths
}

// ErrShort is returned by the store when a member has too few points.
var ErrShort = errors.New("loyalty: balance too low")

// Plan is what the accrual run books for a batch of orders, given the
// buyers' memberships by customer id.
type Plan func(orders []OrderRow, members map[int64]Member) ([]AccrualBooking, []ReturnBooking)

// Purchase orders read by the accrual run carry their customer.
type OrderRow struct {
	Purchase
	CustomerID int64
	Return     bool
}

// Accrual is what the accrual run books for one order.
type AccrualBooking struct {
	CustomerID int64
	MemberID   int64 // 0: enrol the customer first
	Txn        Txn
}

// ReturnBooking is a return to take points back for.
type ReturnBooking struct {
	MemberID int64
	OrderID  int64
	At       time.Time
	Lines    []Line // quantities positive: units returned
}

// Store keeps programs, members and the ledger.
type Store interface {
	CreateProgram(ctx context.Context, p Program, e audit.Entry) (int64, error)
	UpdateProgram(ctx context.Context, p Program, e audit.Entry) error
	Programs(ctx context.Context) ([]Program, error)
	FindProgram(ctx context.Context, id int64) (Program, error)

	// Enrol adds a member, with its welcome credit when that has points.
	Enrol(ctx context.Context, m Member, welcome Txn, e audit.Entry) (int64, error)
	FindMember(ctx context.Context, id int64) (Member, error)
	MemberByNumber(ctx context.Context, number string) (Member, error)
	CustomerMembers(ctx context.Context, customerID int64) ([]Member, error)
	Members(ctx context.Context, programID int64, after int64, limit int) ([]Member, error)
	SetMemberStatus(ctx context.Context, id int64, status string, e audit.Entry) error
	// BirthdayMembers lists a program's active members born on a month
	// and day ("12-24").
	BirthdayMembers(ctx context.Context, programID int64, monthDay string) ([]Member, error)
	Transactions(ctx context.Context, memberID int64, limit int) ([]Txn, error)

	// Credit books a credit once per idempotency key (the first one is
	// returned again, with created false).
	Credit(ctx context.Context, t Txn, e *audit.Entry) (Txn, bool, error)
	// Debit books a debit taken from the member's lots, oldest expiry first,
	// after expiring what is due at now; ErrShort when the balance is lower.
	Debit(ctx context.Context, t Txn, now time.Time, e *audit.Entry) (Txn, bool, error)
	// Transfer moves points from one member to another.
	Transfer(ctx context.Context, from, to Txn, now time.Time, e audit.Entry) (Txn, error)
	// RedeemPoints spends points on a reward (stock and partner code taken in the
	// same transaction) and issues a voucher; ErrShort when the balance is
	// lower. A repeated idempotency key returns the first voucher.
	// A pool of other members (a household) makes up a shortfall by
	// transfers in the same transaction.
	RedeemPoints(ctx context.Context, v Voucher, t Txn, pool []int64, now time.Time, e audit.Entry) (Voucher, bool, error)
	// HouseholdMembers lists the other active members of a member's
	// program in the member's household.
	HouseholdMembers(ctx context.Context, memberID int64) ([]Member, error)
	UseVoucher(ctx context.Context, code string, orderID int64, at time.Time) (Voucher, error)
	Vouchers(ctx context.Context, memberID int64, limit int) ([]Voucher, error)

	CreateReward(ctx context.Context, r Reward, e audit.Entry) (int64, error)
	UpdateReward(ctx context.Context, r Reward, e audit.Entry) error
	Rewards(ctx context.Context, programID int64) ([]Reward, error)
	FindReward(ctx context.Context, id int64) (Reward, error)
	AddRewardCodes(ctx context.Context, rewardID int64, codes []string) (int, error)

	// UpgradeTier moves a member up when their qualifying amount reaches a
	// higher tier (never down).
	UpgradeTier(ctx context.Context, p Program, memberID int64, now time.Time) error
	// SegmentExists reports whether there is a marketing segment.
	SegmentExists(ctx context.Context, segmentID int64) (bool, error)
	// SegmentMembers returns the customers in a marketing segment now
	// (NotFound when there is no such segment).
	SegmentMembers(ctx context.Context, segmentID int64, now time.Time) (map[int64]bool, error)
	// AccrueOrders runs one batch of the accrual run in one transaction:
	// it reads up to limit orders (with their lines and product categories)
	// after the program's cursor and the buyers' memberships, asks plan what
	// to book, enrols customers where needed, books the accruals (once per
	// order and member) and returns, moves members up a tier and moves the
	// cursor past the orders read. It returns how many orders it read (0
	// when none are left).
	AccrueOrders(ctx context.Context, p Program, limit int, now time.Time, plan Plan) (int, error)
	// Qualifying sums a member's qualifying amounts since a time.
	Qualifying(ctx context.Context, memberID int64, since time.Time) (int64, error)
	SetTier(ctx context.Context, memberID, tierID int64, at time.Time, notice bool, e *audit.Entry) error
	// ReleaseDue posts pending credits whose window has closed.
	ReleaseDue(ctx context.Context, now time.Time, limit int) (int, error)
	// ExpireDue expires the lots whose time has come, each once.
	ExpireDue(ctx context.Context, now time.Time, limit int) (int, error)

	// MonthFigures sums a member's posted transactions by kind in a month
	// and before it.
	MonthFigures(ctx context.Context, memberID int64, from, to time.Time) (Statement, error)
	// ExpiringBetween sums the lots of a member that expire in a window.
	ExpiringBetween(ctx context.Context, memberID int64, from, to time.Time) (int64, error)
	SaveStatement(ctx context.Context, st Statement, queue bool) (bool, error)
	FindStatement(ctx context.Context, memberID int64, period string) (Statement, error)
	// Run cursors of the nightly runs.
	RunCursor(ctx context.Context, programID int64, kind, period string) (int64, bool, error)
	SetRunCursor(ctx context.Context, programID int64, kind, period string, cursor int64, done bool, at time.Time) error
	// StatementsToMail lists queued statements; ClaimStatement marks one
	// sending (false when another run took it).
	StatementsToMail(ctx context.Context, limit int) ([]Statement, error)
	ClaimStatement(ctx context.Context, id int64) (bool, error)
	SetStatementMail(ctx context.Context, id int64, state string, at time.Time) error
	// NoteExpiring records an expiry notice for each active member of a
	// program with posted points expiring in [from, to), once per member
	// and month of the earliest such expiry, queued for email when queue.
	// It returns how many it recorded.
	NoteExpiring(ctx context.Context, programID int64, from, to time.Time, queue bool, now time.Time) (int, error)
	// NoticesToMail, ClaimNotice, SetNoticeMail and MarkUncertainNotices
	// work as their statement counterparts.
	NoticesToMail(ctx context.Context, limit int) ([]Notice, error)
	ClaimNotice(ctx context.Context, id int64) (bool, error)
	SetNoticeMail(ctx context.Context, id int64, state string, at time.Time) error
	MarkUncertainNotices(ctx context.Context) (int, error)
	// Notices lists a member's notices, newest first.
	Notices(ctx context.Context, memberID int64, limit int) ([]Notice, error)
	// MarkUncertainStatements turns statements left in sending by a crash
	// into uncertain.
	MarkUncertainStatements(ctx context.Context) (int, error)
	Liability(ctx context.Context, programID int64) ([]LiabilityRow, error)
}

// periodOf checks a yyyy-mm period.
func periodOf(s string) (time.Time, error) {
	t, err := time.Parse("2006-01", strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a month; write it as yyyy-mm", s)
	}
	return t, nil
}
