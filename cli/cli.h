/* The printforge subcommands: each takes argc/argv after its name and returns the process exit status. */
#ifndef PF_CLI_H
#define PF_CLI_H

int pf_cmd_analyze(int argc, char **argv);
int pf_cmd_quote(int argc, char **argv);
int pf_cmd_backup(int argc, char **argv);
int pf_cmd_check(int argc, char **argv);
int pf_cmd_serve(int argc, char **argv);

#endif
