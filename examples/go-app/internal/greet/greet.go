// Package greet builds the greetings served by the greeter service.
package greet

import (
	"fmt"
	"strings"
)

// Greeting is the JSON body returned by the service.
type Greeting struct {
	Message string `json:"message"`
	Length  int    `json:"length"`
}

// For returns the greeting for name; an empty name greets the world.
func For(name string) Greeting {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "world"
	}
	msg := fmt.Sprintf("hello, %s", name)
	return Greeting{Message: msg, Length: len(msg)}
}
