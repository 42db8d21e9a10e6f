package web

import (
	"net/http"
	"strings"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/support"
)

// MacrosPage lists an agent's macros and adds or changes them.
type MacrosPage struct {
	Base
	Macros    []support.Macro
	Fields    []string
	CanShare  bool
	UserID    int64
	Errors    map[string]string
	Submitted support.MacroInput
}

func (s *site) macrosPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	ms, err := s.Support.Macros(r.Context(), a)
	if err != nil {
		return err
	}
	p := MacrosPage{Base: s.pageBase(w, r, a, "Macros", "service"), Macros: ms, Fields: support.MacroFields,
		CanShare: a.Can(auth.ServiceAdmin), UserID: a.UserID}
	p.Help = "service"
	return render(w, r, http.StatusOK, macrosPage(p))
}

func macroInput(r *http.Request) support.MacroInput {
	return support.MacroInput{Name: strings.TrimSpace(r.PostFormValue("name")), Body: r.PostFormValue("body"),
		SetStatus: r.PostFormValue("set_status"), Shared: r.PostFormValue("shared") == "on"}
}

func (s *site) macroSave(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	in := macroInput(r)
	var err error
	if idText := r.PathValue("id"); idText != "" {
		id, perr := pathID(r, "id")
		if perr != nil {
			return perr
		}
		_, err = s.Support.UpdateMacro(r.Context(), a, id, in)
	} else {
		_, err = s.Support.CreateMacro(r.Context(), a, in)
	}
	if err != nil {
		errs, _ := fieldErrors(err)
		if errs == nil {
			return err
		}
		ms, lerr := s.Support.Macros(r.Context(), a)
		if lerr != nil {
			return lerr
		}
		p := MacrosPage{Base: s.pageBase(w, r, a, "Macros", "service"), Macros: ms, Fields: support.MacroFields,
			CanShare: a.Can(auth.ServiceAdmin), UserID: a.UserID, Errors: errs, Submitted: in}
		return render(w, r, http.StatusUnprocessableEntity, macrosPage(p))
	}
	return s.redirect(w, r, "/macros", "Macro “"+in.Name+"” saved.")
}

func (s *site) macroDelete(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Support.DeleteMacro(r.Context(), a, id); err != nil {
		return err
	}
	return s.redirect(w, r, "/macros", "Macro removed.")
}

func (s *site) macroRoutes(mux *http.ServeMux) {
	mux.Handle("GET /macros", s.user(s.macrosPage))
	mux.Handle("POST /macros", s.user(s.macroSave))
	mux.Handle("POST /macros/{id}", s.user(s.macroSave))
	mux.Handle("POST /macros/{id}/delete", s.user(s.macroDelete))
}
