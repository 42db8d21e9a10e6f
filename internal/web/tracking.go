package web

import (
	"net/http"

	"github.com/scrms/scrms/internal/auth"
)

// pixel is a transparent 1×1 GIF.
var pixel = []byte{0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
	0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b}

// trackOpen records an open and serves the pixel, whatever the token.
func (s *site) trackOpen(w http.ResponseWriter, r *http.Request) {
	s.Marketing.Opened(r.Context(), r.PathValue("token"))
	w.Header().Set("Content-Type", "image/gif")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(pixel)
}

// trackClick records a click and sends the reader on to the link.
func (s *site) trackClick(w http.ResponseWriter, r *http.Request) error {
	to, err := s.Marketing.Clicked(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, to, http.StatusFound)
	return nil
}

// trackProduct records a click on a product link and sends the reader on.
func (s *site) trackProduct(w http.ResponseWriter, r *http.Request) error {
	to, err := s.Marketing.ClickedProduct(r.Context(), r.PathValue("token"), r.URL.Query().Get("to"))
	if err != nil {
		return err
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, to, http.StatusFound)
	return nil
}

// UnsubscribePage asks before unsubscribing, and says when it is done.
type UnsubscribePage struct {
	Base
	Token string
	Email string
	Done  bool
}

// unsubscribe shows the confirmation (GET) or unsubscribes (POST, from the
// page's button or a mail provider's one-click request).
func (s *site) unsubscribe(w http.ResponseWriter, r *http.Request) error {
	tok := r.PathValue("token")
	email, err := s.Marketing.UnsubscribeTarget(r.Context(), tok)
	if err != nil {
		return err
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	p := UnsubscribePage{Base: s.pageBase(w, r, auth.Actor{}, "Unsubscribe", ""), Token: tok, Email: email}
	if r.Method == http.MethodPost {
		if err := s.Marketing.Unsubscribe(r.Context(), tok, clientIP(r)); err != nil {
			return err
		}
		p.Done = true
	}
	return render(w, r, http.StatusOK, unsubscribePage(p))
}

func (s *site) trackingRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /t/o/{token}", s.trackOpen)
	mux.Handle("GET /t/c/{token}", s.handle(s.trackClick))
	mux.Handle("GET /t/p/{token}", s.handle(s.trackProduct))
	mux.Handle("GET /u/{token}", s.handle(s.unsubscribe))
	mux.Handle("POST /u/{token}", s.handle(s.unsubscribe))
}
