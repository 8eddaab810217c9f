// Command greeter serves JSON greetings over HTTP on $PORT (default 8080).
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"

	"example.com/greeter/internal/greet"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(greet.For(r.URL.Query().Get("name")))
	})
	log.Printf("greeter listening on :%s", port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
