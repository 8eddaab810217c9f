package greet

import "testing"

func TestFor(t *testing.T) {
	if got := For("  gopher ").Message; got != "hello, gopher" {
		t.Fatalf("For: got %q", got)
	}
	if got := For("").Message; got != "hello, world" {
		t.Fatalf("For(empty): got %q", got)
	}
}
