// Package hub wakes the listeners of one process when something they watch
// changes. Listeners also look for changes on their own every few seconds,
// so that changes made through another SCRMS instance reach them too.
package hub

import "sync"

// Hub wakes subscribers by key (a pipeline, a chat).
type Hub struct {
	mu   sync.Mutex
	subs map[int64]map[chan struct{}]struct{}
}

// New returns an empty hub.
func New() *Hub { return &Hub{subs: map[int64]map[chan struct{}]struct{}{}} }

// Publish wakes the subscribers of a key; a subscriber already woken is not
// woken twice.
func (h *Hub) Publish(key int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[key] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Subscribe returns a channel woken on changes of the key, and the function
// that ends the subscription.
func (h *Hub) Subscribe(key int64) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[key] == nil {
		h.subs[key] = map[chan struct{}]struct{}{}
	}
	h.subs[key][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[key], ch)
		if len(h.subs[key]) == 0 {
			delete(h.subs, key)
		}
		h.mu.Unlock()
	}
}
