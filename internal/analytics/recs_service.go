package analytics

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
)

// Recommendation model settings: each product keeps its 30 nearest
// products, pairs need two customers who bought both, and a customer's
// 200 most bought products are looked at.
const (
	recNeighbours  = 30
	recMinTogether = 2
	recOwnedLimit  = 200
)

// RecModel is one build of the product recommendations.
type RecModel struct {
	ID        int64
	BuiltAt   time.Time
	Customers int
	Products  int
	Pairs     int
}

// ProductInfo is what recommendations need to know of a product.
// Available: active and, where stock is tracked, some on hand.
type ProductInfo struct {
	ID        int64
	SKU       string
	Name      string
	Category  string
	Price     int64
	Currency  string
	OneTime   bool
	Available bool
}

// OwnedProduct is a product a customer bought, in Times orders.
type OwnedProduct struct {
	ProductInfo
	Times int
}

// NeighbourRow is a stored neighbour of a product.
type NeighbourRow struct {
	Score    float64
	Together int
	Product  ProductInfo
}

// ProductRecommendation is a product suggested to a customer and why.
type ProductRecommendation struct {
	Product ProductInfo
	Score   float64
	Kind    string // bought_with, buy_again, popular
	Reason  string
}

// RecStore is what recommendations need from storage.
type RecStore interface {
	PurchaseHistories(ctx context.Context) ([]int64, [][]int, error)
	SaveRecModel(ctx context.Context, m RecModel, ids []int64, nbs [][]Neighbour, buyers []int) (int64, error)
	LatestRecModel(ctx context.Context) (RecModel, error)
	OwnedProducts(ctx context.Context, customerID int64, limit int) ([]OwnedProduct, []string, error)
	ProductNeighbours(ctx context.Context, productIDs []int64) (map[int64][]NeighbourRow, error)
	PopularProducts(ctx context.Context, limit int) ([]ProductInfo, error)
}

// BuildRecommendations learns the product neighbours and popularity from
// the whole order history and stores them (the daily job).
func (s *Service) BuildRecommendations(ctx context.Context) (RecModel, error) {
	ids, histories, err := s.store.PurchaseHistories(ctx)
	if err != nil {
		return RecModel{}, err
	}
	nbs := ItemNeighbours(histories, len(ids), recNeighbours, recMinTogether)
	buyers := make([]int, len(ids))
	for _, h := range histories {
		for _, it := range h {
			buyers[it]++
		}
	}
	m := RecModel{BuiltAt: s.now().UTC(), Customers: len(histories), Products: len(ids)}
	for _, ns := range nbs {
		m.Pairs += len(ns)
	}
	if m.ID, err = s.store.SaveRecModel(ctx, m, ids, nbs, buyers); err != nil {
		return RecModel{}, err
	}
	return m, nil
}

// BuildRecommendationsNow rebuilds them as an administrator asks.
func (s *Service) BuildRecommendationsNow(ctx context.Context, a auth.Actor) (RecModel, error) {
	if err := a.Require(auth.SalesAdmin); err != nil {
		return RecModel{}, err
	}
	return s.BuildRecommendations(ctx)
}

// LatestRecModel returns the latest build.
func (s *Service) LatestRecModel(ctx context.Context, a auth.Actor) (RecModel, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return RecModel{}, err
	}
	return s.store.LatestRecModel(ctx)
}

// CustomerRecommendations returns the n best products to offer a customer
// the actor may see.
func (s *Service) CustomerRecommendations(ctx context.Context, a auth.Actor, customerID int64, n int) ([]ProductRecommendation, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return nil, err
	}
	if _, err := s.customers.FindCustomer(ctx, a, customerID); err != nil {
		return nil, err
	}
	return s.RecommendFor(ctx, customerID, n)
}

// RecommendFor returns the n best products to offer a customer, best
// first: products often bought with what they bought (item-to-item
// collaborative filtering) and products they buy again and again, each
// weighted by how often they bought the product behind it; products in
// the customer's preferred categories count half as much again. Products
// that cannot be offered now (inactive, out of stock) and one-time
// products the customer owns never come back. When history says too
// little, the most popular products fill the list. Every product comes
// with a one-line reason.
func (s *Service) RecommendFor(ctx context.Context, customerID int64, n int) ([]ProductRecommendation, error) {
	if n <= 0 {
		n = 10
	}
	owned, prefs, err := s.store.OwnedProducts(ctx, customerID, recOwnedLimit)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(owned))
	mine := make(map[int]OwnedProduct, len(owned))
	for i, o := range owned {
		ids[i] = o.ID
		mine[int(o.ID)] = o
	}
	rows, err := s.store.ProductNeighbours(ctx, ids)
	if err != nil {
		return nil, err
	}
	info := map[int]ProductInfo{}
	for _, o := range owned {
		info[int(o.ID)] = o.ProductInfo
	}
	nbs := map[int][]Neighbour{}
	for of, rs := range rows {
		for _, r := range rs {
			info[int(r.Product.ID)] = r.Product
			nbs[int(of)] = append(nbs[int(of)], Neighbour{Item: int(r.Product.ID), Score: r.Score, Together: r.Together})
		}
	}
	preferred := map[string]bool{}
	for _, c := range prefs {
		preferred[strings.ToLower(c)] = true
	}
	ownedW := make([]Owned, len(owned))
	for i, o := range owned {
		ownedW[i] = Owned{Item: int(o.ID), Weight: 1 + math.Log(float64(max(o.Times, 1)))}
	}
	// A product a customer buys again is its own nearest neighbour.
	withSelf := func(it int) []Neighbour {
		if o, ok := mine[it]; ok && !o.OneTime {
			return append([]Neighbour{{Item: it, Score: 1}}, nbs[it]...)
		}
		return nbs[it]
	}
	eligible := func(it int) bool {
		p := info[it]
		if !p.Available {
			return false
		}
		o, owns := mine[it]
		return !owns || !o.OneTime
	}
	boost := func(it int) float64 {
		if preferred[strings.ToLower(info[it].Category)] {
			return 1.5
		}
		return 1
	}
	recs := Recommend(ownedW, withSelf, eligible, boost, n)
	out := make([]ProductRecommendation, 0, n)
	taken := map[int64]bool{}
	for _, r := range recs {
		p := info[r.Item]
		pr := ProductRecommendation{Product: p, Score: r.Score}
		if r.Because == r.Item {
			pr.Kind = "buy_again"
			pr.Reason = fmt.Sprintf("Bought %s before", times(mine[r.Item].Times))
		} else {
			pr.Kind = "bought_with"
			pr.Reason = "Often bought with " + info[r.Because].Name
		}
		if preferred[strings.ToLower(p.Category)] {
			pr.Reason += "; in a preferred category (" + p.Category + ")"
		}
		taken[p.ID] = true
		out = append(out, pr)
	}
	if len(out) < n {
		pop, err := s.store.PopularProducts(ctx, n+len(owned)+10)
		if err != nil {
			return nil, err
		}
		// Preferred categories first, then the rest, each by popularity.
		for _, pass := range []bool{true, false} {
			for _, p := range pop {
				if len(out) == n {
					break
				}
				if taken[p.ID] || !p.Available || preferred[strings.ToLower(p.Category)] != pass {
					continue
				}
				if o, owns := mine[int(p.ID)]; owns && o.OneTime {
					continue
				}
				reason := "Popular with customers"
				if pass {
					reason = "Popular in " + p.Category + ", a preferred category"
				}
				taken[p.ID] = true
				out = append(out, ProductRecommendation{Product: p, Kind: "popular", Reason: reason})
			}
		}
	}
	return out, nil
}

func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}
