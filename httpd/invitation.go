package httpd

import "net/http"

// accountRoutes are the pages reached without a session: the invitation
// link and "mot de passe oublié".
func (s *Server) accountRoutes(mux *http.ServeMux) {}
