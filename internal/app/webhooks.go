package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/sales"
)

// webhookSkew is how old a signed webhook may be; older ones are refused
// so that a captured request cannot be replayed later.
const webhookSkew = 5 * time.Minute

// InventorySignature signs a webhook body sent at a Unix time with the
// shared secret: hex HMAC-SHA256 of "TIMESTAMP.BODY".
func InventorySignature(secret string, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(timestamp, 10) + "."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// inventoryWebhook takes stock levels pushed by the inventory system,
// signed with the shared secret (headers X-SCRMS-Timestamp and
// X-SCRMS-Signature: sha256=HEX). The body is that of /api/v1/inventory/sync.
func (a *App) inventoryWebhook(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, msg string) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"title": http.StatusText(status), "status": status, "detail": msg})
	}
	if a.Config.InventorySecret == "" {
		fail(http.StatusNotFound, "The inventory webhook is not set up (SCRMS_INVENTORY_SECRET).")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 16<<20))
	if err != nil {
		fail(http.StatusRequestEntityTooLarge, "The body is too large or could not be read.")
		return
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-SCRMS-Timestamp"), 10, 64)
	sig := strings.TrimPrefix(r.Header.Get("X-SCRMS-Signature"), "sha256=")
	want := InventorySignature(a.Config.InventorySecret, ts, body)
	if err != nil || !hmac.Equal([]byte(sig), []byte(want)) {
		fail(http.StatusUnauthorized, "The signature does not match the body and timestamp.")
		return
	}
	if d := time.Since(time.Unix(ts, 0)); d > webhookSkew || d < -webhookSkew {
		fail(http.StatusUnauthorized, "The timestamp is more than five minutes away from now.")
		return
	}
	var in struct {
		Items []struct {
			SKU      string `json:"sku"`
			Location string `json:"location"`
			OnHand   int64  `json:"on_hand"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		fail(http.StatusBadRequest, "The body is not JSON of the form {\"items\": [{\"sku\", \"location\", \"on_hand\"}]}.")
		return
	}
	levels := make([]sales.StockLevel, len(in.Items))
	for i, it := range in.Items {
		levels[i] = sales.StockLevel{SKU: it.SKU, Location: it.Location, OnHand: it.OnHand}
	}
	n, err := a.Catalogue.SetStock(r.Context(), auth.System("inventory-webhook"), levels)
	if err != nil {
		if e, ok := fault.As(err); ok && e.Code == fault.Invalid {
			fail(http.StatusUnprocessableEntity, e.Message)
			return
		}
		a.Log.Error("inventory webhook", "err", err)
		fail(http.StatusInternalServerError, "The stock was not saved.")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]int{"updated": n})
}
