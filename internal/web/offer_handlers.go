package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/loyalty"
	"github.com/scrms/scrms/internal/marketing"
)

// OffersPage lists the offers and makes new ones.
type OffersPage struct {
	Base
	Offers   []marketing.Offer
	Segments []marketing.Segment
	Programs []loyalty.Program // for members' offers; empty for readers without loyalty
	CanWrite bool
	Error    string
}

func (s *site) offersPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	return s.renderOffers(w, r, a, http.StatusOK, "")
}

func (s *site) renderOffers(w http.ResponseWriter, r *http.Request, a auth.Actor, status int, msg string) error {
	ctx := r.Context()
	p := OffersPage{Base: s.pageBase(w, r, a, "Offers", "marketing"), CanWrite: a.Can(auth.MarketingWrite), Error: msg}
	var err error
	if p.Offers, err = s.Marketing.Offers(ctx, a); err != nil {
		return err
	}
	if p.Segments, err = s.Marketing.Segments(ctx, a); err != nil {
		return err
	}
	if a.Can(auth.LoyaltyRead) {
		if p.Programs, err = s.Loyalty.Programs(ctx, a); err != nil {
			return err
		}
	}
	return render(w, r, status, offersPage(p))
}

func (s *site) offersDone(w http.ResponseWriter, r *http.Request, a auth.Actor, err error, ok string) error {
	if err != nil {
		if _, msg := fieldErrors(err); msg != "" && !fault.Is(err, fault.Forbidden) {
			return s.renderOffers(w, r, a, http.StatusUnprocessableEntity, "Not saved: "+fieldText(err))
		}
		if fault.Is(err, fault.Conflict) {
			return s.renderOffers(w, r, a, http.StatusConflict, describeErr(err))
		}
		return err
	}
	return s.redirect(w, r, "/marketing/offers", ok)
}

// offerCreate makes an offer from the form.
func (s *site) offerCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	num := func(k string) float64 {
		v, _ := strconv.ParseFloat(strings.TrimSpace(r.PostFormValue(k)), 64)
		return v
	}
	id := func(k string) int64 {
		v, _ := strconv.ParseInt(r.PostFormValue(k), 10, 64)
		return v
	}
	date := func(k string) time.Time {
		d, _ := time.Parse("2006-01-02", r.PostFormValue(k))
		return d
	}
	per := int(num("per_customer"))
	in := marketing.OfferInput{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"),
		Kind: r.PostFormValue("kind"), Value: num("value"), Currency: r.PostFormValue("currency"),
		SharedCode: r.PostFormValue("shared_code"), SegmentID: id("segment_id"), ProgramID: id("program_id"),
		MinTierRank: int(num("min_tier_rank")), ProductSKU: r.PostFormValue("product_sku"), MinOrder: num("min_order"),
		ValidFrom: date("valid_from"), MaxRedemptions: int(num("max_redemptions")), PerCustomer: &per}
	if to := date("valid_to"); !to.IsZero() {
		in.ValidTo = to.AddDate(0, 0, 1) // the last day counts whole
	}
	_, err := s.Marketing.CreateOffer(r.Context(), a, in)
	return s.offersDone(w, r, a, err, "Offer saved.")
}

// offerCodes issues an offer's unique codes: to its segment or members, or
// a number given to nobody yet.
func (s *site) offerCodes(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	count, _ := strconv.Atoi(r.PostFormValue("count"))
	n, err := s.Marketing.IssueCodes(r.Context(), a, id, 0, count)
	return s.offersDone(w, r, a, err, fmt.Sprintf("%d codes issued.", n))
}

// offerFor says whom an offer is for.
func offerFor(o marketing.Offer, segs []marketing.Segment, progs []loyalty.Program) string {
	var parts []string
	if o.SegmentID != 0 {
		name := fmt.Sprintf("segment %d", o.SegmentID)
		for _, s := range segs {
			if s.ID == o.SegmentID {
				name = s.Name
			}
		}
		parts = append(parts, name)
	}
	if o.ProgramID != 0 {
		name := fmt.Sprintf("program %d", o.ProgramID)
		tier := ""
		for _, p := range progs {
			if p.ID == o.ProgramID {
				name = p.Name
				for _, t := range p.Tiers {
					if t.Rank == o.MinTierRank && t.Rank > 1 {
						tier = ", " + t.Name + " and up"
					}
				}
			}
		}
		parts = append(parts, "members of "+name+tier)
	}
	if o.ProductSKU != "" {
		parts = append(parts, "while "+o.ProductSKU+" is in stock")
	}
	if o.MinOrder > 0 {
		parts = append(parts, fmt.Sprintf("orders from %.2f", float64(o.MinOrder)/10000))
	}
	if len(parts) == 0 {
		return "everyone"
	}
	return strings.Join(parts, "; ")
}

// offerValid says when an offer can be used.
func offerValid(o marketing.Offer) string {
	switch {
	case o.ValidFrom.IsZero() && o.ValidTo.IsZero():
		return "always"
	case o.ValidTo.IsZero():
		return "from " + o.ValidFrom.Format("2 Jan 2006")
	case o.ValidFrom.IsZero():
		return "until " + o.ValidTo.AddDate(0, 0, -1).Format("2 Jan 2006")
	}
	return o.ValidFrom.Format("2 Jan 2006") + " – " + o.ValidTo.AddDate(0, 0, -1).Format("2 Jan 2006")
}

func offerUses(o marketing.Offer) string {
	if o.MaxRedemptions > 0 {
		return fmt.Sprintf("%d of %d", o.Redemptions, o.MaxRedemptions)
	}
	return itoa(int64(o.Redemptions))
}
