package sales

import "sync"

// Hub tells the boards open in this process that a pipeline changed. Boards
// also look for changes on their own every few seconds, so that changes
// made through another SCRMS instance reach them too.
type Hub struct {
	mu   sync.Mutex
	subs map[int64]map[chan struct{}]struct{}
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[int64]map[chan struct{}]struct{}{}} }

// Publish wakes the subscribers of a pipeline; a subscriber already woken
// is not woken twice.
func (h *Hub) Publish(pipelineID int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[pipelineID] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Subscribe returns a channel woken on changes of the pipeline, and the
// function that ends the subscription.
func (h *Hub) Subscribe(pipelineID int64) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[pipelineID] == nil {
		h.subs[pipelineID] = map[chan struct{}]struct{}{}
	}
	h.subs[pipelineID][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[pipelineID], ch)
		h.mu.Unlock()
	}
}
