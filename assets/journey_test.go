package assets

import (
	"encoding/json"
	"testing"
)

// TestJourneyTables: journey.en.json and journey.ko.json (engine/journey's
// whys and stops) hold the same keys, each one under "journey.".
func TestJourneyTables(t *testing.T) {
	tab := map[string]map[string]string{}
	for _, lang := range []string{"en", "ko"} {
		b, err := stringFiles.ReadFile("strings/journey." + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("journey.%s.json: %v", lang, err)
		}
		if len(m) < 40 {
			t.Fatalf("journey.%s.json has only %d keys", lang, len(m))
		}
		tab[lang] = m
	}
	for a, b := range map[string]string{"en": "ko", "ko": "en"} {
		for k := range tab[a] {
			if _, ok := tab[b][k]; !ok {
				t.Errorf("journey.%s.json has %q, journey.%s.json has not", a, k, b)
			}
			if len(k) < 9 || k[:8] != "journey." {
				t.Errorf("journey.%s.json: key %q is not under journey.", a, k)
			}
		}
	}
}
