package web

import (
	"net/http"

	"github.com/scrms/scrms/internal/auth"
)

// guidePage is open to everyone, signed in or not: it holds no customer data.
func (s *site) guidePage(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.actor(r)
	if err != nil {
		a = auth.Actor{}
	}
	q := r.URL.Query().Get("q")
	if len(q) > 200 {
		q = q[:200]
	}
	p := GuidePage{Base: s.pageBase(w, r, a, "User guide", "help"), Guide: s.guide, Q: q, Hits: s.guide.Search(q)}
	return render(w, r, http.StatusOK, guidePage(p))
}
