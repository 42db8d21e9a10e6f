package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
)

// AttachmentJSON describes a file kept with an interaction.
type AttachmentJSON struct {
	ID            int64     `json:"id"`
	InteractionID int64     `json:"interaction_id"`
	Name          string    `json:"name"`
	ContentType   string    `json:"content_type"`
	Size          int64     `json:"size"`
	CreatedAt     time.Time `json:"created_at"`
	URL           string    `json:"url"`
}

func attachmentJSON(a customer.Attachment) AttachmentJSON {
	return AttachmentJSON{ID: a.ID, InteractionID: a.InteractionID, Name: a.Name, ContentType: a.ContentType, Size: a.Size,
		CreatedAt: a.CreatedAt, URL: fmt.Sprintf("%s/attachments/%d", Prefix, a.ID)}
}

// inlineTypes may be shown in a browser; anything else is downloaded.
var inlineTypes = []string{"image/png", "image/jpeg", "image/gif", "application/pdf", "text/plain"}

func (s *server) registerAttachments(api huma.API) {
	tags := []string{"Interactions"}
	huma.Register(api, huma.Operation{OperationID: "add-attachment", Method: http.MethodPost,
		Path: "/interactions/{id}/attachments", Summary: "Keep a file with an interaction (multipart, up to 10 MB)",
		Tags: tags, DefaultStatus: http.StatusCreated, MaxBodyBytes: customer.MaxAttachment + 1<<20},
		func(ctx context.Context, in *struct {
			ID      int64 `path:"id" minimum:"1"`
			RawBody huma.MultipartFormFiles[struct {
				File huma.FormFile `form:"file" required:"true"`
			}]
		}) (*struct{ Body AttachmentJSON }, error) {
			f := in.RawBody.Data().File
			data, err := io.ReadAll(io.LimitReader(f, customer.MaxAttachment+1))
			if err != nil {
				return nil, s.fail(ctx, "attach", fault.Wrap(fault.Invalid, err, "The file could not be read."))
			}
			at, err := s.Customers.AddAttachment(ctx, actorFrom(ctx), in.ID, f.Filename, data)
			if err != nil {
				return nil, s.fail(ctx, "attach", err)
			}
			return &struct{ Body AttachmentJSON }{attachmentJSON(at)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-attachments", Method: http.MethodGet,
		Path: "/interactions/{id}/attachments", Summary: "The files of an interaction", Tags: tags},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*struct{ Body []AttachmentJSON }, error) {
			list, err := s.Customers.Attachments(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "attachments", err)
			}
			out := []AttachmentJSON{}
			for _, a := range list {
				out = append(out, attachmentJSON(a))
			}
			return &struct{ Body []AttachmentJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-attachment", Method: http.MethodGet, Path: "/attachments/{id}",
		Summary: "Download a file (audited)", Tags: tags},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*struct {
			ContentType        string `header:"Content-Type"`
			ContentDisposition string `header:"Content-Disposition"`
			Body               []byte
		}, error) {
			at, err := s.Customers.Attachment(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "attachment", err)
			}
			ct, disp := "application/octet-stream", "attachment"
			for _, t := range inlineTypes {
				if strings.HasPrefix(at.ContentType, t) {
					ct, disp = at.ContentType, "inline"
				}
			}
			name := strings.NewReplacer(`"`, "", "\r", "", "\n", "").Replace(at.Name)
			return &struct {
				ContentType        string `header:"Content-Type"`
				ContentDisposition string `header:"Content-Disposition"`
				Body               []byte
			}{ct, fmt.Sprintf(`%s; filename="%s"`, disp, name), at.Data}, nil
		})
}
