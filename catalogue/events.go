package catalogue

// dossierd events: the webhooks' outbox.
var (
	EventsRetried     = T{"%d envoi(s) de l'événement %s remis en file", "%d delivery(ies) of event %s queued again"}
	EventsRetriedAll  = T{"%d envoi(s) remis en file", "%d delivery(ies) queued again"}
	EventUnknown      = T{"aucun envoi en attente ou en échec pour l'événement %q", "no pending or failed delivery of event %q"}
	EventsRetryArgs   = T{"donnez l'identifiant d'un événement ou --all, pas les deux", "give an event id or --all, not both"}
	EventStatePending = T{"en attente", "pending"}
	EventStateFailed  = T{"en échec", "failed"}
	HeadEventID       = T{"ÉVÉNEMENT", "EVENT"}
	HeadEventType     = T{"TYPE", "TYPE"}
	HeadWebhook       = T{"DESTINATAIRE", "WEBHOOK"}
	HeadAttempts      = T{"ESSAIS", "ATTEMPTS"}
	HeadEventCreated  = T{"CRÉÉ LE", "CREATED"}
	HeadNextAttempt   = T{"PROCHAIN ESSAI", "NEXT ATTEMPT"}
	HeadLastError     = T{"DERNIÈRE ERREUR", "LAST ERROR"}
)
