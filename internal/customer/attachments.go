package customer

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// Attachment is a file kept with an interaction.
type Attachment struct {
	ID            int64
	InteractionID int64
	Name          string
	ContentType   string
	Size          int64
	Data          []byte // only when read for download
	CreatedAt     time.Time
}

// MaxAttachment bounds one file.
const MaxAttachment = 10 << 20

// AttachmentStore keeps attachments.
type AttachmentStore interface {
	CreateAttachment(ctx context.Context, at Attachment, by int64, e audit.Entry) (int64, error)
	ListAttachments(ctx context.Context, interactionID int64) ([]Attachment, error)
	FindAttachment(ctx context.Context, id int64) (Attachment, error)
}

func (s *Service) attachments() (AttachmentStore, error) {
	st, ok := s.store.(AttachmentStore)
	if !ok {
		return nil, fmt.Errorf("customer: this store keeps no attachments")
	}
	return st, nil
}

// interactionFor returns an interaction whose customer the actor may see.
func (s *Service) interactionFor(ctx context.Context, a auth.Actor, id int64) (Interaction, error) {
	it, err := s.store.FindInteraction(ctx, id)
	if err != nil {
		return it, fault.New(fault.NotFound, "Interaction %d was not found.", id)
	}
	if _, err := s.findVisible(ctx, a, it.CustomerID); err != nil {
		return it, fault.New(fault.NotFound, "Interaction %d was not found.", id)
	}
	return it, nil
}

// AddAttachment keeps a file with an interaction. Files hold personal
// data as a rule, so attaching and reading them needs that permission.
func (s *Service) AddAttachment(ctx context.Context, a auth.Actor, interactionID int64, name string, data []byte) (Attachment, error) {
	if err := a.Require(auth.CustomerUpdate); err != nil {
		return Attachment{}, err
	}
	if err := a.Require(auth.CustomerPII); err != nil {
		return Attachment{}, err
	}
	it, err := s.interactionFor(ctx, a, interactionID)
	if err != nil {
		return Attachment{}, err
	}
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), "\\", "/"))
	var f fault.Fields
	if name == "" || name == "." || name == "/" || len(name) > 200 || hasControl(name) {
		f.Add("file", "needs a name of at most 200 printable characters")
	}
	if len(data) == 0 || len(data) > MaxAttachment {
		f.Add("file", "must hold 1 byte to 10 MB")
	}
	if err := f.Err(); err != nil {
		return Attachment{}, err
	}
	ct := http.DetectContentType(data)
	if byExt := mime.TypeByExtension(path.Ext(name)); byExt != "" && strings.HasPrefix(ct, "application/octet-stream") {
		ct = byExt
	}
	st, err := s.attachments()
	if err != nil {
		return Attachment{}, err
	}
	at := Attachment{InteractionID: interactionID, Name: name, ContentType: ct, Size: int64(len(data)), Data: data,
		CreatedAt: s.now()}
	e := a.Audit("attach", "interaction", interactionID, at.CreatedAt)
	e.CustomerID = it.CustomerID
	e.Changes = []audit.Change{{Field: "file", New: name}, {Field: "size", New: fmt.Sprint(len(data))}}
	id, err := st.CreateAttachment(ctx, at, a.UserID, e)
	at.ID, at.Data = id, nil
	return at, err
}

// Attachments lists the files of an interaction.
func (s *Service) Attachments(ctx context.Context, a auth.Actor, interactionID int64) ([]Attachment, error) {
	if _, err := s.interactionFor(ctx, a, interactionID); err != nil {
		return nil, err
	}
	st, err := s.attachments()
	if err != nil {
		return nil, err
	}
	return st.ListAttachments(ctx, interactionID)
}

// Attachment returns a file for download (audited).
func (s *Service) Attachment(ctx context.Context, a auth.Actor, id int64) (Attachment, error) {
	if err := a.Require(auth.CustomerPII); err != nil {
		return Attachment{}, err
	}
	st, err := s.attachments()
	if err != nil {
		return Attachment{}, err
	}
	at, err := st.FindAttachment(ctx, id)
	if err != nil {
		return Attachment{}, fault.New(fault.NotFound, "Attachment %d was not found.", id)
	}
	it, err := s.interactionFor(ctx, a, at.InteractionID)
	if err != nil {
		return Attachment{}, fault.New(fault.NotFound, "Attachment %d was not found.", id)
	}
	e := a.Audit("download", "attachment", id, s.now())
	e.CustomerID = it.CustomerID
	e.Changes = []audit.Change{{Field: "file", New: at.Name}}
	if err := s.store.AppendAudit(ctx, e); err != nil {
		return Attachment{}, err
	}
	return at, nil
}
