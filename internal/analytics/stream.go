package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// StreamDashboard sends the dashboard as server-sent events ("dashboard")
// each time it changes, until the client goes away.
func StreamDashboard(w http.ResponseWriter, r *http.Request, get func(ctx context.Context) (Dashboard, error)) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var last []byte
	quiet := 0
	for {
		d, err := get(r.Context())
		if err != nil {
			return
		}
		j := d.JSON()
		j.AsOf = time.Time{} // the time alone is no change
		b, _ := json.Marshal(j)
		switch {
		case string(b) != string(last):
			j.AsOf = d.AsOf
			full, _ := json.Marshal(j)
			if _, err := fmt.Fprintf(w, "event: dashboard\ndata: %s\n\n", full); err != nil {
				return
			}
			last, quiet = b, 0
		case quiet >= 15:
			if _, err := fmt.Fprint(w, ": still here\n\n"); err != nil {
				return
			}
			quiet = 0
		default:
			quiet++
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
	}
}
