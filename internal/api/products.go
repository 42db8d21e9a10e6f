package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/sales"
)

// ProductJSON is a product with its stock.
type ProductJSON struct {
	SKU       string      `json:"sku"`
	Name      string      `json:"name"`
	Category  string      `json:"category,omitempty"`
	Price     float64     `json:"price"`
	Currency  string      `json:"currency,omitempty"`
	Active    bool        `json:"active"`
	OneTime   bool        `json:"one_time" doc:"Bought once for good (never recommended to a customer who owns it)."`
	OnHand    int64       `json:"on_hand" doc:"Over all locations."`
	Available bool        `json:"available"`
	Stock     []StockJSON `json:"stock,omitempty"`
	UpdatedAt time.Time   `json:"updated_at"`
}

// StockJSON is the stock of a product at one location.
type StockJSON struct {
	SKU      string `json:"sku,omitempty" maxLength:"64"`
	Location string `json:"location,omitempty" maxLength:"100" doc:"Default: main."`
	OnHand   int64  `json:"on_hand"`
}

func productJSON(p sales.Product) ProductJSON {
	j := ProductJSON{SKU: p.SKU, Name: p.Name, Category: p.Category, Price: float64(p.Price) / sales.Scale,
		Currency: p.Currency, Active: p.Active, OneTime: p.OneTime, OnHand: p.OnHand, Available: p.Available(), UpdatedAt: p.UpdatedAt}
	for _, l := range p.Stock {
		j.Stock = append(j.Stock, StockJSON{Location: l.Location, OnHand: l.OnHand})
	}
	return j
}

func (s *server) registerProducts(api huma.API) {
	tags := []string{"Products and inventory"}
	huma.Register(api, huma.Operation{OperationID: "list-products", Method: http.MethodGet, Path: "/products",
		Summary: "The product catalogue with stock", Tags: tags},
		func(ctx context.Context, in *struct {
			Q     string `query:"q" maxLength:"100" doc:"SKU or name prefix."`
			Limit int    `query:"limit" minimum:"1" maximum:"500" default:"100"`
		}) (*struct{ Body []ProductJSON }, error) {
			ps, err := s.Catalogue.Products(ctx, actorFrom(ctx), in.Q, in.Limit)
			if err != nil {
				return nil, s.fail(ctx, "products", err)
			}
			out := []ProductJSON{}
			for _, p := range ps {
				out = append(out, productJSON(p))
			}
			return &struct{ Body []ProductJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "save-product", Method: http.MethodPut, Path: "/products/{sku}",
		Summary: "Create or change a product", Tags: tags},
		func(ctx context.Context, in *struct {
			SKU  string `path:"sku" maxLength:"64"`
			Body struct {
				Name     string  `json:"name" maxLength:"300"`
				Category string  `json:"category,omitempty" maxLength:"100"`
				Price    float64 `json:"price" minimum:"0"`
				Currency string  `json:"currency,omitempty" maxLength:"3"`
				Active   *bool   `json:"active,omitempty" doc:"Default true."`
				OneTime  bool    `json:"one_time,omitempty" doc:"Bought once for good: never recommended to a customer who owns it."`
			}
		}) (*struct{ Body ProductJSON }, error) {
			price, _ := sales.ToScaled(in.Body.Price)
			active := in.Body.Active == nil || *in.Body.Active
			p, err := s.Catalogue.SaveProduct(ctx, actorFrom(ctx), sales.Product{SKU: in.SKU, Name: in.Body.Name,
				Category: in.Body.Category, Price: price, Currency: in.Body.Currency, Active: active, OneTime: in.Body.OneTime})
			if err != nil {
				return nil, s.fail(ctx, "save product", err)
			}
			return &struct{ Body ProductJSON }{productJSON(p)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-product", Method: http.MethodGet, Path: "/products/{sku}",
		Summary: "A product with its stock per location", Tags: tags},
		func(ctx context.Context, in *struct {
			SKU string `path:"sku" maxLength:"64"`
		}) (*struct{ Body ProductJSON }, error) {
			p, err := s.Catalogue.Product(ctx, actorFrom(ctx), in.SKU)
			if err != nil {
				return nil, s.fail(ctx, "product", err)
			}
			return &struct{ Body ProductJSON }{productJSON(p)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-product-stock", Method: http.MethodPut,
		Path: "/products/{sku}/stock", Summary: "Set the stock of a product at a location", Tags: tags},
		func(ctx context.Context, in *struct {
			SKU  string `path:"sku" maxLength:"64"`
			Body StockJSON
		}) (*struct{ Body ProductJSON }, error) {
			a := actorFrom(ctx)
			if _, err := s.Catalogue.SetStock(ctx, a, []sales.StockLevel{{SKU: in.SKU, Location: in.Body.Location,
				OnHand: in.Body.OnHand}}); err != nil {
				return nil, s.fail(ctx, "set stock", err)
			}
			p, err := s.Catalogue.Product(ctx, a, in.SKU)
			if err != nil {
				return nil, s.fail(ctx, "set stock", err)
			}
			return &struct{ Body ProductJSON }{productJSON(p)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "sync-inventory", Method: http.MethodPost, Path: "/inventory/sync",
		Summary: "Set many stock levels at once (all or none)", Tags: tags, MaxBodyBytes: 16 << 20,
		Description: "Up to 50,000 levels per request; an unknown SKU creates a minimal product."},
		func(ctx context.Context, in *struct {
			Body struct {
				Items []StockJSON `json:"items" minItems:"1" maxItems:"50000"`
			}
		}) (*struct {
			Body struct {
				Updated int `json:"updated"`
			}
		}, error) {
			levels := make([]sales.StockLevel, len(in.Body.Items))
			for i, it := range in.Body.Items {
				levels[i] = sales.StockLevel{SKU: it.SKU, Location: it.Location, OnHand: it.OnHand}
			}
			n, err := s.Catalogue.SetStock(ctx, actorFrom(ctx), levels)
			if err != nil {
				return nil, s.fail(ctx, "inventory sync", err)
			}
			out := &struct {
				Body struct {
					Updated int `json:"updated"`
				}
			}{}
			out.Body.Updated = n
			return out, nil
		})
}
