package customer

import "testing"

func TestCountryCode(t *testing.T) {
	for in, want := range map[string]string{
		"GB": "GB", "gb": "GB", "United Kingdom": "GB", "UK": "GB", "EIRE": "IE", "Ireland": "IE", "France": "FR",
		"USA": "US", "United States": "US", "RSA": "ZA", "Czech Republic": "CZ", "Czechia": "CZ", "Hong Kong": "HK",
		"DEU": "DE", "Germany": "DE", "  spain ": "ES", "Côte d’Ivoire": "CI", "United Arab Emirates": "AE",
	} {
		if got, ok := CountryCode(in); !ok || got != want {
			t.Errorf("CountryCode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "Channel Islands", "European Community", "Unspecified", "XX", "Atlantis", "12"} {
		if got, ok := CountryCode(in); ok {
			t.Errorf("CountryCode(%q) = %q, want unknown", in, got)
		}
	}
}
