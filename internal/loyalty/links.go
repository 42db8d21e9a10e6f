package loyalty

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/fault"
)

// statementToken signs a member id and a month for the member's statement
// page: 8 + 4 bytes and 12 bytes of HMAC-SHA256 (over a label, so that no
// other signed link of SCRMS can stand in for it), in URL-safe base64.
func (s *Service) statementToken(memberID int64, month time.Time) string {
	b := make([]byte, 12, 24)
	binary.BigEndian.PutUint64(b, uint64(memberID))
	binary.BigEndian.PutUint32(b[8:], uint32(month.Year()*100+int(month.Month())))
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("loyalty-statement"))
	m.Write(b)
	return base64.RawURLEncoding.EncodeToString(m.Sum(b)[:24])
}

// StatementURL is the address of a member's statement page for a month,
// or "" when links cannot be signed.
func (s *Service) StatementURL(memberID int64, period string) string {
	if p := s.StatementPath(memberID, period); p != "" {
		return strings.TrimRight(s.BaseURL, "/") + p
	}
	return ""
}

// StatementPath is StatementURL without SCRMS's address.
func (s *Service) StatementPath(memberID int64, period string) string {
	month, err := periodOf(period)
	if err != nil || len(s.Secret) == 0 {
		return ""
	}
	return "/loyalty/statement/" + s.statementToken(memberID, month)
}

// StatementByToken returns the statement a signed link names.
func (s *Service) StatementByToken(ctx context.Context, tok string) (Statement, Member, Program, error) {
	bad := fault.New(fault.NotFound, "This statement link is not valid.")
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 24 || len(s.Secret) == 0 {
		return Statement{}, Member{}, Program{}, bad
	}
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("loyalty-statement"))
	m.Write(b[:12])
	if !hmac.Equal(m.Sum(nil)[:12], b[12:]) {
		return Statement{}, Member{}, Program{}, bad
	}
	ym := int(binary.BigEndian.Uint32(b[8:12]))
	period := time.Date(ym/100, time.Month(ym%100), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
	return s.MemberStatement(ctx, int64(binary.BigEndian.Uint64(b[:8])), period)
}
