package sales

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
)

// orderColumns maps the header names an order import understands, in lower
// case without spaces or underscores, to the field they fill.
var orderColumns = map[string]string{
	"externalid": "external_id", "orderid": "external_id", "ordernumber": "external_id", "invoiceno": "external_id",
	"invoice": "external_id", "invoicenumber": "external_id",
	"customerexternalid": "customer_external_id", "customerid": "customer_external_id", "customer": "customer_external_id",
	"customernumber": "customer_external_id",
	"orderedat":      "ordered_at", "orderdate": "ordered_at", "invoicedate": "ordered_at", "date": "ordered_at",
	"currency": "currency",
	"sku":      "sku", "stockcode": "sku", "productcode": "sku", "itemcode": "sku",
	"description": "description", "product": "description", "productname": "description",
	"quantity": "quantity", "qty": "quantity",
	"unitprice": "unit_price", "price": "unit_price",
}

var timeLayouts = []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"}

func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// orderBatch is how many orders are committed together with the checkpoint.
const orderBatch = 250

type pendingOrder struct {
	in        OrderInput
	firstLine int
	rows      [][]string
	reason    string
}

// RunOrderImport imports order lines from a CSV (or gzip-compressed CSV)
// file: one row per line, rows with the same external id (next to each
// other) form one order. An unknown customer number creates a minimal
// customer, an unknown SKU a minimal product. Each batch of orders is
// committed with the import's checkpoint, so that an interrupted import
// resumes without losing or doubling an order; an order whose external id
// exists is skipped. Counts are of orders; the rejected rows are kept with
// the reason.
func (s *OrderService) RunOrderImport(ctx context.Context, a auth.Actor, imports *customer.Service, j customer.ImportJob,
	src io.Reader, defaultCurrency string, progress func(customer.ImportJob)) (customer.ImportJob, error) {
	if err := a.Require(auth.SalesWrite); err != nil {
		return j, err
	}
	text, err := customer.OpenCSV(src)
	if err != nil {
		return imports.FailImport(ctx, j, err)
	}
	cr := csv.NewReader(text)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return imports.FailImport(ctx, j, fault.Wrap(fault.Invalid, err, "The file has no header row."))
	}
	col := map[string]int{}
	for i, h := range header {
		key := strings.NewReplacer(" ", "", "_", "", "-", "").Replace(strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))))
		if f, ok := orderColumns[key]; ok {
			if _, seen := col[f]; !seen {
				col[f] = i
			}
		}
	}
	var missing []string
	for _, f := range []string{"external_id", "customer_external_id", "ordered_at", "sku", "quantity", "unit_price"} {
		if _, ok := col[f]; !ok {
			missing = append(missing, f)
		}
	}
	if _, ok := col["currency"]; !ok && defaultCurrency == "" {
		missing = append(missing, "currency (or --currency)")
	}
	if len(missing) > 0 {
		return imports.FailImport(ctx, j, fault.New(fault.Invalid, "The file has no column for %s.", strings.Join(missing, ", ")))
	}
	get := func(rec []string, f string) string {
		if i, ok := col[f]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	j.Status, j.Error = "running", ""
	now := time.Now().UTC()
	if j.StartedAt.IsZero() {
		j.StartedAt = now
	}
	j.HeartbeatAt = now
	if err := imports.SaveImport(ctx, j); err != nil {
		return j, err
	}
	line := 1
	for skipped := 0; skipped < j.RowsDone; skipped++ {
		if _, err := cr.Read(); errors.Is(err, io.EOF) {
			break
		}
		line++
	}
	customers := map[string]int64{}
	var batch []*pendingOrder
	var cur *pendingOrder
	batchRows := 0 // rows of the orders in batch
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		var orders []Order
		var rejects []customer.Rejection
		res := customer.ImportResult{}
		for _, p := range batch {
			if p.reason == "" {
				ext := customer.CleanID(p.in.CustomerExternalID)
				id, ok := customers[ext]
				if !ok {
					var err error
					id, err = s.customers.EnsureCustomerByExternalID(ctx, a, ext)
					if err != nil {
						e, isFault := fault.As(err)
						if !isFault || (e.Code != fault.Invalid && e.Code != fault.NotFound && e.Code != fault.Conflict) {
							return err
						}
						p.reason = "customer " + ext + ": " + e.Message
					} else {
						customers[ext] = id
					}
				}
				p.in.CustomerID = id
			}
			if p.reason == "" {
				o, err := prepare(p.in)
				if err != nil {
					e, _ := fault.As(err)
					var parts []string
					for _, fe := range e.Fields {
						parts = append(parts, fe.Field+": "+fe.Message)
					}
					p.reason = strings.Join(parts, "; ")
				} else {
					orders = append(orders, o)
					continue
				}
			}
			res.Rejected++
			for i, r := range p.rows {
				rejects = append(rejects, customer.Rejection{Line: p.firstLine + i, Record: r, Reason: p.reason})
			}
		}
		next := j
		next.RowsDone += batchRows
		next.Rejected += res.Rejected
		next.HeartbeatAt = time.Now().UTC()
		created, joined, err := s.commit(ctx, a, orders, &next, rejects)
		if err != nil {
			return err
		}
		next.Imported += created
		next.Skipped += len(orders) - created - joined
		if created > 0 || len(orders) > created {
			// The counts of the commit are known only after it; save them.
			if err := imports.SaveImport(ctx, next); err != nil {
				return err
			}
		}
		j = next
		batch, batchRows = batch[:0], 0
		if progress != nil {
			progress(j)
		}
		return ctx.Err()
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return imports.FailImport(ctx, j, fmt.Errorf("read line %d: %w", line, err))
			}
			if pe.Err != csv.ErrFieldCount {
				rec = []string{fmt.Sprintf("(not valid CSV: %v)", pe.Err)}
			}
		}
		ext := get(rec, "external_id")
		if cur == nil || ext != cur.in.ExternalID || ext == "" {
			if cur != nil {
				batch = append(batch, cur)
				if len(batch) >= orderBatch {
					if err := flush(); err != nil {
						return imports.FailImport(ctx, j, err)
					}
				}
			}
			currency := get(rec, "currency")
			if currency == "" {
				currency = defaultCurrency
			}
			cur = &pendingOrder{in: OrderInput{ExternalID: ext, CustomerExternalID: get(rec, "customer_external_id"),
				Currency: currency, Source: "import"}, firstLine: line}
			if t, ok := parseTime(get(rec, "ordered_at")); ok {
				cur.in.OrderedAt = t
			}
			switch {
			case ext == "":
				cur.reason = "external_id: the row names no order"
			case customer.CleanID(cur.in.CustomerExternalID) == "":
				cur.reason = "customer_external_id: the order names no customer"
			case cur.in.OrderedAt.IsZero():
				cur.reason = "ordered_at: not a date and time"
			}
		}
		batchRows++
		cur.rows = append(cur.rows, slices.Clone(rec))
		q, qerr := strconv.ParseInt(get(rec, "quantity"), 10, 64)
		price, perr := strconv.ParseFloat(get(rec, "unit_price"), 64)
		scaled, ok := toScaled(price)
		switch {
		case cur.reason != "":
		case qerr != nil:
			cur.reason = fmt.Sprintf("line %d: quantity is not a whole number", line)
		case perr != nil || !ok:
			cur.reason = fmt.Sprintf("line %d: unit_price is not a number", line)
		default:
			cur.in.Lines = append(cur.in.Lines, OrderLine{SKU: get(rec, "sku"), Description: get(rec, "description"),
				Quantity: q, UnitPrice: scaled})
		}
	}
	if cur != nil {
		batch = append(batch, cur)
	}
	if err := flush(); err != nil {
		return imports.FailImport(ctx, j, err)
	}
	j.Status, j.FinishedAt = "done", time.Now().UTC()
	if err := imports.SaveImport(ctx, j); err != nil {
		return j, err
	}
	if progress != nil {
		progress(j)
	}
	return j, nil
}
