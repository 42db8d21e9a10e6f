package support

import (
	"fmt"
	"regexp"
	"strings"
)

// tokenPattern finds the case token SCRMS puts in its subjects.
var tokenPattern = regexp.MustCompile(`\[#(\d{1,18})-([A-Z2-9]{6})\]`)

// caseToken returns the case id and code named in a subject.
func caseToken(subject string) (int64, string, bool) {
	m := tokenPattern.FindStringSubmatch(subject)
	if m == nil {
		return 0, "", false
	}
	var id int64
	fmt.Sscan(m[1], &id)
	return id, m[2], true
}

// stripQuoted drops the quoted earlier message from a reply: the lines
// after "On … wrote:" and the lines starting with ">".
func stripQuoted(text string) string {
	lines := strings.Split(text, "\n")
	var out []string
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, ">") {
			continue
		}
		if (strings.HasPrefix(t, "On ") && strings.HasSuffix(t, "wrote:")) || t == "-----Original Message-----" {
			if i > 0 {
				break
			}
		}
		out = append(out, l)
	}
	s := strings.TrimSpace(strings.Join(out, "\n"))
	if s == "" {
		return strings.TrimSpace(text)
	}
	return s
}
