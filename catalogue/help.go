package catalogue

// The dossierd command's help and cobra's refusals of a command line:
// each command's Short and Long, each flag's usage, the help and usage
// templates, the help and completion commands cobra adds, and the
// sentences that replace cobra's and pflag's own (argument counts,
// unknown commands and flags). The English side is the text printed
// before these moved here, word for word: scripts may match it.

// The root command and its global flag.
var (
	HelpRoot       = T{"Serveur SFTP, FTP/FTPS et web des centres de formation", "SFTP, FTP/FTPS and web server for training centres"}
	HelpFlagConfig = T{"fichier de configuration (par défaut : ./sftpgo.json s'il existe, sinon les valeurs intégrées)", "configuration file (default: ./sftpgo.json when present, else embedded defaults)"}
)

// dossierd account.
var (
	HelpAccount           = T{"gérer les comptes", "manage accounts"}
	HelpAccountAdd        = T{"créer un compte (et son dossier d'échange)", "create an account (and its exchange folder)"}
	HelpFlagRole          = T{"client, trainee, trainer ou staff", "client, trainee, trainer or staff"}
	HelpFlagAccountRef    = T{"code du client, du stagiaire ou du formateur dans le logiciel de gestion (vide pour staff)", "TMS code of the client, trainee or trainer (empty for staff)"}
	HelpFlagDisplayName   = T{"nom affiché", "display name"}
	HelpFlagEmail         = T{"adresse e-mail, où les liens d'invitation sont envoyés", "email address, where invitation links are sent"}
	HelpFlagPassword      = T{"mot de passe (haché avec argon2id)", "password (hashed with argon2id)"}
	HelpFlagPasswordStdin = T{"lire le mot de passe sur la première ligne de l'entrée standard", "read the password from the first line of standard input"}
	HelpFlagPublicKey     = T{"clé publique SSH, sous forme de ligne authorized_keys", "SSH public key, as an authorized_keys line"}
	HelpFlagAccountExpiry = T{"dernier jour où le compte peut se connecter (AAAA-MM-JJ)", "last day the account may log in (YYYY-MM-DD)"}
	HelpAccountPasswd     = T{"changer le mot de passe d'un compte (ses connexions ouvertes sont fermées)", "set an account's password (its open connections are closed)"}
	HelpFlagNewPassword   = T{"nouveau mot de passe", "new password"}
	HelpFlagNewPwStdin    = T{"lire le nouveau mot de passe sur la première ligne de l'entrée standard", "read the new password from the first line of standard input"}
	HelpAccountDisable    = T{"désactiver un compte", "disable an account"}
	HelpAccountEnable     = T{"réactiver un compte", "enable an account"}
	HelpAccountDelete     = T{"supprimer un compte (ses fichiers restent sur le disque)", "delete an account (its files stay on disk)"}
	HelpAccountList       = T{"lister les comptes", "list accounts"}
	HelpFlagJSON          = T{"afficher en JSON", "print JSON"}
	HelpAccountSet        = T{`changer l'adresse e-mail, le nom affiché ou la date d'expiration d'un compte ("" efface)`, `change an account's email address, display name or expiry date ("" clears)`}
	HelpAccountInvite     = T{"créer un lien à usage unique pour que le compte choisisse son mot de passe (les liens précédents cessent de fonctionner)", "make a one-time link for the account to choose its password (older links stop working)"}
	HelpAccountInviteLong = T{`Crée un lien à usage unique avec lequel la personne choisit le mot de passe du
compte dans l'espace privé du web, valable --hours heures (1 à 720). Le lien est
la dernière ligne affichée ; les liens précédents du compte cessent de
fonctionner. Avec --send, il est aussi envoyé à l'adresse e-mail du compte par
le relais smtp. Les comptes désactivés ou expirés n'ont pas de lien.`, `Make a one-time link with which the person chooses the account's password in
the web's espace privé, valid --hours hours (1 to 720). The link is the last
line printed; earlier links of the account stop working. With --send it is
also mailed to the account's email address through the smtp relay.
Disabled and expired accounts get no link.`}
	HelpFlagHours = T{"durée de validité du lien, en heures (1 à 720)", "how long the link stays valid, in hours (1 to 720)"}
	HelpFlagSend  = T{"envoyer aussi le lien à l'adresse e-mail du compte (smtp.*)", "also mail the link to the account's email address (smtp.*)"}
)

// dossierd session, enroll, unenroll, tree.
var (
	HelpSession       = T{"gérer les sessions de formation", "manage training sessions"}
	HelpSessionAdd    = T{"créer une session (et ses dossiers)", "create a session (and its folders)"}
	HelpFlagTitle     = T{"intitulé", "title"}
	HelpFlagStarts    = T{"premier jour (AAAA-MM-JJ)", "first day (YYYY-MM-DD)"}
	HelpFlagEnds      = T{"dernier jour (AAAA-MM-JJ)", "last day (YYYY-MM-DD)"}
	HelpFlagFolder    = T{"nom du dossier que voient les utilisateurs (par défaut : le code)", "folder name users see (default: the code)"}
	HelpSessionDelete = T{"supprimer une session et ses inscriptions (ses fichiers restent sur le disque)", "delete a session and its enrollments (its files stay on disk)"}
	HelpSessionList   = T{"lister les sessions", "list sessions"}
	HelpEnroll        = T{"inscrire un client, un stagiaire ou un formateur à une session (crée son dossier) ; --client : le client qui envoie le stagiaire", "enroll a client, trainee or trainer in a session (creates its folder); --client: the client that sent the trainee"}
	HelpFlagClient    = T{"pour un stagiaire : référence du client qui l'envoie (le client le voit parmi ses participants) ; l'inscrire à nouveau sans --client l'efface", "for a trainee: ref of the client that sent them (the client sees them among its participants); enrolling again without it clears it"}
	HelpUnenroll      = T{"retirer une inscription (les fichiers restent sur le disque)", "remove an enrollment (files stay on disk)"}
	HelpTree          = T{"montrer ce que voit LOGIN : une ligne par dossier, r ou rw, et son emplacement sur le disque", "show what LOGIN sees: one line per folder, r or rw, and where it is on disk"}
)

// dossierd check-name, defender, audit.
var (
	HelpCheckName      = T{"dire si des noms respectent la règle des noms de fichiers, avec une suggestion sûre ; code de sortie 1 si l'un d'eux est refusé", "say whether names pass the filename policy, with a safe suggestion; exit 1 if any is refused"}
	HelpDefender       = T{"adresses notées ou bannies après des connexions échouées", "addresses scored or banned for failed logins"}
	HelpDefenderList   = T{"lister les adresses notées et bannies (telles que le serveur en marche les a écrites en dernier)", "list scored and banned addresses (as the running daemon last wrote them)"}
	HelpDefenderUnban  = T{"lever le bannissement d'une adresse (le serveur en marche l'applique dans le délai data_provider.poll_interval)", "lift the ban of an address (the running daemon applies it within data_provider.poll_interval)"}
	HelpAudit          = T{"qui a téléchargé, envoyé, renommé ou supprimé quoi, quand et d'où", "who downloaded, uploaded, renamed or deleted what, when, from where"}
	HelpFlagAuditLogin = T{"seulement cet identifiant", "only this login"}
	HelpFlagAuditPath  = T{"seulement les chemins qui contiennent ce texte", "only paths containing this text"}
	HelpFlagAction     = T{"seulement cette action : login, download, upload, delete, rename, mkdir, rmdir, setstat", "only this action: login, download, upload, delete, rename, mkdir, rmdir, setstat"}
	HelpFlagSince      = T{"à partir de ce jour (AAAA-MM-JJ, inclus)", "from this day (YYYY-MM-DD, included)"}
	HelpFlagUntil      = T{"jusqu'à ce jour (AAAA-MM-JJ, inclus)", "to this day (YYYY-MM-DD, included)"}
)

// dossierd import, export, backup.
var (
	HelpImport     = T{"aligner l'annuaire sur l'export du logiciel de gestion de la formation", "make the directory follow the training-management system's export"}
	HelpImportLong = T{`Aligne l'annuaire sur l'export du logiciel de gestion de la formation : un
fichier JSON (SPEC section 7 ; "-" lit l'entrée standard) ou des fichiers CSV
dont la première ligne nomme les mêmes champs, séparés par ";" ou ",", en
UTF-8 ou en Windows-1252.

Les comptes sont reconnus par leur identifiant, les sessions par leur code,
les inscriptions par session, rôle et référence ; seul ce qui diffère est
écrit, en une seule transaction : relancer le même import ne change rien.
Tous les problèmes des fichiers sont listés d'un coup, avec fichier, ligne et
champ, et rien n'est alors modifié.

Le mot de passe d'un compte est gardé, sauf si le fichier donne "password"
(haché ici) ou "password_hash" ; ses clés SSH sont gardées, sauf si le
fichier a "public_keys".

Avec --prune, les fichiers font foi : les comptes qui n'y sont pas sont
désactivés (staff compris), les sessions absentes sont masquées, les
inscriptions absentes sont retirées. Rien n'est supprimé, et les fichiers sur
le disque jamais.`, `Make the directory follow the training-management system's export: one JSON
file (SPEC section 7; "-" reads standard input) or CSV files whose first line
names the same fields, separated by ";" or ",", in UTF-8 or Windows-1252.

Accounts are matched by login, sessions by code, enrollments by session, role
and ref; only what differs is written, all in one transaction, so running
the same import again changes nothing. Every problem of the files is listed
at once, with file, line and field, and then nothing is changed.

An account's password is kept unless the file gives "password" (hashed here)
or "password_hash"; its SSH keys are kept unless the file has "public_keys".

--prune makes the files the whole truth: accounts absent from them are
disabled (staff included), sessions absent are hidden, enrollments absent are
removed. Nothing is deleted, and files on disk never are.`}
	HelpFlagAccountsCSV    = T{"fichier CSV des comptes", "CSV file of accounts"}
	HelpFlagSessionsCSV    = T{"fichier CSV des sessions", "CSV file of sessions"}
	HelpFlagEnrollmentsCSV = T{"fichier CSV des inscriptions", "CSV file of enrollments"}
	HelpFlagDryRun         = T{"lister ce qui changerait, sans rien changer", "list what would change, and change nothing"}
	HelpFlagPrune          = T{"désactiver les comptes, masquer les sessions et retirer les inscriptions que les fichiers ne listent pas", "disable accounts, hide sessions and remove enrollments that the files do not list"}
	HelpExport             = T{"écrire l'annuaire en fichier JSON d'import (sans les mots de passe)", "write the directory as an import JSON file (without passwords)"}
	HelpExportLong         = T{`Écrit l'annuaire (comptes, sessions, inscriptions) dans le format JSON que lit
"dossierd import", dans FILE ou sur la sortie standard. Les mots de passe et
leurs hachés sont omis, les clés publiques incluses ; réimporter le fichier
ne change rien. FILE est remplacé de façon atomique et n'est lisible que par
son propriétaire (il nomme des personnes).`, `Write the directory (accounts, sessions, enrollments) in the JSON shape that
"dossierd import" reads, to FILE or standard output. Passwords and hashes are
left out, public keys are included; importing the file back changes nothing.
FILE is replaced atomically and readable by its owner only (it names people).`}
	HelpBackup     = T{"écrire une copie cohérente de la base dans FILE, pendant que le serveur tourne", "write a consistent copy of the database to FILE, while the daemon runs"}
	HelpBackupLong = T{"Écrit de façon atomique une copie cohérente de la base (comptes, sessions, inscriptions,\n" +
		"journal d'audit, état du defender) dans FILE, mode 0600. La racine du stockage se sauvegarde à part.",
		"Writes a consistent copy of the database (accounts, sessions, enrollments, audit trail,\n" +
			"defender state) to FILE, mode 0600, atomically. The storage root is backed up separately."}
	HelpFlagForce = T{"remplacer FILE s'il existe", "replace FILE if it exists"}
)

// dossierd apikey, events, serve, version.
var (
	HelpAPIKey     = T{"gérer les clés de l'API REST (/api/v1)", "manage the keys of the REST API (/api/v1)"}
	HelpAPIKeyAdd  = T{"créer une clé d'API ; elle est affichée une seule fois, sur la dernière ligne", "make an API key; it is printed once, on the last line"}
	HelpAPIKeyLong = T{`Crée une clé pour l'API REST. SCOPES est une liste, séparée par des virgules, de
directory:read, directory:write, files:read, files:write, audit:read.
La clé est affichée une seule fois, seule sur la dernière ligne de la sortie
(un script la prend avec "tail -n 1") ; seul son SHA-256 est conservé. Les
appels faits avec elle sont audités sous l'identifiant "apikey@NAME".`, `Make an API key for the REST API. SCOPES is a comma-separated list of
directory:read, directory:write, files:read, files:write, audit:read.
The key is printed once, alone on the last line of the output (scripts can
take it with "tail -n 1"); only its SHA-256 is stored. Calls made with it are
audited with the login "apikey@NAME".`}
	HelpFlagScope     = T{"droits, séparés par des virgules : %s", "comma-separated scopes: %s"}
	HelpFlagKeyExpiry = T{"dernier jour où la clé peut servir (AAAA-MM-JJ)", "last day the key may be used (YYYY-MM-DD)"}
	HelpAPIKeyList    = T{"lister les clés d'API, révoquées comprises (jamais leur secret)", "list the API keys, revoked ones included (never their secret)"}
	HelpAPIKeyRevoke  = T{"révoquer une clé d'API : l'appel suivant fait avec elle est refusé", "revoke an API key: the next call made with it is refused"}
	HelpEvents        = T{"la file d'envoi des webhooks : les événements pas encore livrés, ou gardés en échec", "the webhooks' outbox: events not delivered yet, or kept as failed"}
	HelpEventsList    = T{"lister les événements non livrés (en attente, ou en échec après events.retry_hours), du plus ancien au plus récent", "list the events not delivered (pending, or failed after events.retry_hours), oldest first"}
	HelpFlagFailed    = T{"seulement les événements gardés en échec", "only the events kept as failed"}
	HelpEventsRetry   = T{"relivrer maintenant, avec un nouveau délai d'essais, un événement (à chaque webhook) ou tous ceux non livrés (le serveur en marche les envoie dans la seconde)", "deliver again now, with a new retry time, one event (every webhook) or all those not delivered (the running daemon sends them within a second)"}
	HelpFlagAll       = T{"tous les événements non livrés", "every event not delivered"}
	HelpServe         = T{"lancer les serveurs SFTP, FTP et web (et l'API REST)", "run the SFTP, FTP and web servers (and the REST API)"}
	HelpFlagDemo      = T{"charger d'abord l'annuaire et les fichiers de démonstration, et afficher les identifiants de démo", "load the demo directory and sample files first, and print the demo logins"}
	HelpFlagPprof     = T{"servir le profileur de Go (net/http/pprof) à cette adresse, par ex. 127.0.0.1:6060, pour les mesures de performance ; ne jamais l'exposer", "serve Go's profiler (net/http/pprof) on this address, e.g. 127.0.0.1:6060, for benchmarks; never expose it"}
	HelpVersion       = T{"afficher la version, le commit et la version de Go de ce binaire", "print the version, the commit and the Go version of this binary"}
)

// What cobra adds to every command tree: the help command, the -h flag,
// the completion command. The English side is cobra v1.10's.
var (
	HelpHelpUse        = T{"help [commande]", "help [command]"}
	HelpHelp           = T{"aide sur une commande", "Help about any command"}
	HelpHelpLong       = T{"Affiche l'aide de n'importe quelle commande.\nTapez %s help [chemin de la commande] pour tout le détail.", "Help provides help for any command in the application.\nSimply type %s help [path to command] for full details."}
	HelpTopicUnknown   = T{"Sujet d'aide inconnu : %#q\n", "Unknown help topic %#q\n"}
	HelpFlagHelp       = T{"aide de %s", "help for %s"}
	HelpCompletion     = T{"Générer le script d'autocomplétion pour le shell indiqué", "Generate the autocompletion script for the specified shell"}
	HelpCompletionFor  = T{"Générer le script d'autocomplétion pour %s", "Generate the autocompletion script for %s"}
	HelpFlagNoDesc     = T{"ne pas décrire les complétions", "disable completion descriptions"}
	HelpCompletionLong = T{`Génère le script d'autocomplétion de %s pour le shell indiqué.
Voyez l'aide de chaque sous-commande pour savoir comment utiliser le script.
`, `Generate the autocompletion script for %s for the specified shell.
See each sub-command's help for details on how to use the generated script.
`}
	HelpCompletionBash = T{`Génère le script d'autocomplétion pour le shell bash.

Ce script demande le paquet 'bash-completion'.
S'il n'est pas installé, installez-le avec le gestionnaire de paquets du système.

Pour charger les complétions dans le shell en cours :

	source <(%[1]s completion bash)

Pour les charger dans chaque nouvelle session, exécutez une fois :

#### Linux :

	%[1]s completion bash > /etc/bash_completion.d/%[1]s

#### macOS :

	%[1]s completion bash > $(brew --prefix)/etc/bash_completion.d/%[1]s

Ouvrez un nouveau shell pour que ce réglage prenne effet.
`, `Generate the autocompletion script for the bash shell.

This script depends on the 'bash-completion' package.
If it is not installed already, you can install it via your OS's package manager.

To load completions in your current shell session:

	source <(%[1]s completion bash)

To load completions for every new session, execute once:

#### Linux:

	%[1]s completion bash > /etc/bash_completion.d/%[1]s

#### macOS:

	%[1]s completion bash > $(brew --prefix)/etc/bash_completion.d/%[1]s

You will need to start a new shell for this setup to take effect.
`}
	HelpCompletionZsh = T{`Génère le script d'autocomplétion pour le shell zsh.

Si la complétion n'est pas déjà activée dans votre environnement, activez-la
en exécutant une fois :

	echo "autoload -U compinit; compinit" >> ~/.zshrc

Pour charger les complétions dans le shell en cours :

	source <(%[1]s completion zsh)

Pour les charger dans chaque nouvelle session, exécutez une fois :

#### Linux :

	%[1]s completion zsh > "${fpath[1]}/_%[1]s"

#### macOS :

	%[1]s completion zsh > $(brew --prefix)/share/zsh/site-functions/_%[1]s

Ouvrez un nouveau shell pour que ce réglage prenne effet.
`, `Generate the autocompletion script for the zsh shell.

If shell completion is not already enabled in your environment you will need
to enable it.  You can execute the following once:

	echo "autoload -U compinit; compinit" >> ~/.zshrc

To load completions in your current shell session:

	source <(%[1]s completion zsh)

To load completions for every new session, execute once:

#### Linux:

	%[1]s completion zsh > "${fpath[1]}/_%[1]s"

#### macOS:

	%[1]s completion zsh > $(brew --prefix)/share/zsh/site-functions/_%[1]s

You will need to start a new shell for this setup to take effect.
`}
	HelpCompletionFish = T{`Génère le script d'autocomplétion pour le shell fish.

Pour charger les complétions dans le shell en cours :

	%[1]s completion fish | source

Pour les charger dans chaque nouvelle session, exécutez une fois :

	%[1]s completion fish > ~/.config/fish/completions/%[1]s.fish

Ouvrez un nouveau shell pour que ce réglage prenne effet.
`, `Generate the autocompletion script for the fish shell.

To load completions in your current shell session:

	%[1]s completion fish | source

To load completions for every new session, execute once:

	%[1]s completion fish > ~/.config/fish/completions/%[1]s.fish

You will need to start a new shell for this setup to take effect.
`}
	HelpCompletionPowerShell = T{`Génère le script d'autocomplétion pour powershell.

Pour charger les complétions dans le shell en cours :

	%[1]s completion powershell | Out-String | Invoke-Expression

Pour les charger dans chaque nouvelle session, ajoutez la sortie de la commande
ci-dessus à votre profil powershell.
`, `Generate the autocompletion script for powershell.

To load completions in your current shell session:

	%[1]s completion powershell | Out-String | Invoke-Expression

To load completions for every new session, add the output of the above command
to your powershell profile.
`}
)

// Cobra's usage template (v1.10's default; the French one has the same
// structure with translated words, and prints the use line and the flags
// through useLine and flagUsages, which translate what cobra and pflag
// write there: "[flags]", "(default 72)"). Cobra's help template has no
// words of its own (the command's Long or Short, then this usage), so it
// stays cobra's.
var (
	UsageTemplate = T{`Utilisation :{{if .Runnable}}
  {{useLine .}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [commande]{{end}}{{if gt (len .Aliases) 0}}

Alias :
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

Exemples :
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}{{$cmds := .Commands}}{{if eq (len .Groups) 0}}

Commandes disponibles :{{range $cmds}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{else}}{{range $group := .Groups}}

{{.Title}}{{range $cmds}}{{if (and (eq .GroupID $group.ID) (or .IsAvailableCommand (eq .Name "help")))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if not .AllChildCommandsHaveGroup}}

Autres commandes :{{range $cmds}}{{if (and (eq .GroupID "") (or .IsAvailableCommand (eq .Name "help")))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Options :
{{flagUsages .LocalFlags | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

Options globales :
{{flagUsages .InheritedFlags | trimTrailingWhitespaces}}{{end}}{{if .HasHelpSubCommands}}

Autres sujets d'aide :{{range .Commands}}{{if .IsAdditionalHelpTopicCommand}}
  {{rpad .CommandPath .CommandPathPadding}} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableSubCommands}}

Pour l'aide d'une commande : « {{.CommandPath}} [commande] --help ».{{end}}
`, `Usage:{{if .Runnable}}
  {{.UseLine}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [command]{{end}}{{if gt (len .Aliases) 0}}

Aliases:
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

Examples:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}{{$cmds := .Commands}}{{if eq (len .Groups) 0}}

Available Commands:{{range $cmds}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{else}}{{range $group := .Groups}}

{{.Title}}{{range $cmds}}{{if (and (eq .GroupID $group.ID) (or .IsAvailableCommand (eq .Name "help")))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if not .AllChildCommandsHaveGroup}}

Additional Commands:{{range $cmds}}{{if (and (eq .GroupID "") (or .IsAvailableCommand (eq .Name "help")))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Flags:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

Global Flags:
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasHelpSubCommands}}

Additional help topics:{{range .Commands}}{{if .IsAdditionalHelpTopicCommand}}
  {{rpad .CommandPath .CommandPathPadding}} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableSubCommands}}

Use "{{.CommandPath}} [command] --help" for more information about a command.{{end}}
`}
	// What cobra appends to a use line, and pflag after a flag's usage.
	UseLineFlags = T{"[options]", "[flags]"}
	FlagDefault  = T{"(par défaut ", "(default "}
)

// Cobra's and pflag's refusals of a command line. The English side is
// their text; it names fewer things than the French one, hence its
// explicit argument indexes: command, count expected, argument names,
// count given.
var (
	ArgsExactOne   = T{"%s attend %d argument (%s), %d donné(s)", "accepts %[2]d arg(s), received %[4]d"}
	ArgsExactN     = T{"%s attend %d arguments (%s), %d donné(s)", "accepts %[2]d arg(s), received %[4]d"}
	ArgsAtLeast    = T{"%s attend au moins %d argument (%s), %d donné(s)", "requires at least %[2]d arg(s), only received %[4]d"}
	ArgsAtMost     = T{"%s attend au plus %d argument (%s), %d donné(s)", "accepts at most %[2]d arg(s), received %[4]d"}
	ArgsNone       = T{"argument %q en trop : %q n'attend aucun argument", "unknown command %q for %q"}
	UnknownCommand = T{"commande inconnue %q pour %q", "unknown command %q for %q"}
	DidYouMean     = T{"\n\nVouliez-vous dire :\n", "\n\nDid you mean this?\n"}
	// pflag's errors, by kind.
	FlagUnknown         = T{"option inconnue : --%s", "unknown flag: --%s"}
	FlagUnknownShort    = T{"option courte inconnue : %q dans -%s", "unknown shorthand flag: %q in -%s"}
	FlagNeedsValue      = T{"l'option --%s attend une valeur", "flag needs an argument: --%s"}
	FlagNeedsValueShort = T{"l'option %q dans -%s attend une valeur", "flag needs an argument: %q in -%s"}
	FlagInvalidValue    = T{"valeur %q invalide pour l'option %q : %v", "invalid argument %q for %q flag: %v"}
	FlagBadSyntax       = T{"option mal écrite : %s", "bad flag syntax: %s"}
)
