package support

import "testing"

func TestCaseTokenAndQuotes(t *testing.T) {
	c := Case{ID: 42, Ref: "K7QX2P"}
	id, ref, ok := caseToken("Re: Re: Card blocked " + c.Token())
	if !ok || id != 42 || ref != "K7QX2P" {
		t.Fatalf("token: %d %q %v", id, ref, ok)
	}
	if _, _, ok := caseToken("Re: [#42] no code"); ok {
		t.Fatal("a token without its code was accepted")
	}
	got := stripQuoted("Thanks, it works now.\n\nOn Tue, 1 Dec 2026, Support wrote:\n> Try again\n> please")
	if got != "Thanks, it works now." {
		t.Fatalf("stripQuoted: %q", got)
	}
}
