package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/store"
)

// BenchmarkAPICreateCustomer creates customers over HTTP from 8 concurrent
// clients on SQLite (profiling aid; the benchmark harness reports the figure).
func BenchmarkAPICreateCustomer(b *testing.B) {
	h := apptest.New(b, store.SQLite)
	var n atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			body, _ := json.Marshal(map[string]any{"kind": "person", "first_name": "Bench", "last_name": fmt.Sprint("L", i),
				"emails": []map[string]any{{"address": fmt.Sprintf("b%d@load.example", i)}},
				"phones": []map[string]any{{"number": fmt.Sprintf("+4420794%05d", i%100000)}}, "tags": []string{"bench"}})
			req, _ := http.NewRequest("POST", h.Server.URL+"/api/v1/customers", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+h.AdminToken)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 201 {
				b.Fatalf("status %d", res.StatusCode)
			}
		}
	})
}
