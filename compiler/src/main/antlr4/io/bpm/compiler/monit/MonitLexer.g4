/*
 * The tokens of a monit control file, as far as BOSH jobs use them: check blocks with their
 * pidfile, start/stop programs, group, depends, mode, every and if-rules; comments.
 *
 * Modelled on monit's own flex scanner (src/l.l of monit 5.x) so that what monit reads one way
 * is read the same way here:
 *  - keywords are case-insensitive;
 *  - spaces, tabs, line breaks and ; , ( ) separate tokens;
 *  - "noise" words (with, as, and, for, program, ...) may appear anywhere and mean nothing,
 *    so "start program = ..." and "start ..." are the same statement;
 *  - after "check KIND", "group" and "depends on" the next word is a name, whatever it
 *    spells (a service may be called "restart"), hence the lexer modes;
 *  - a quoted string may span lines (monit splits a program string on any white space).
 * Every character ends up in some token (BAD as the last resort), so the lexer itself never
 * reports an error: the parser reports an unexpected token with its position instead.
 */
lexer grammar MonitLexer;

options { caseInsensitive = true; }

tokens { BAD }

WS      : [ \t\r\n;,()]+ -> channel(HIDDEN);
COMMENT : '#' ~[\r\n]* -> channel(HIDDEN);

// "check KIND " (monit requires the blank after the kind); the service name follows.
CHECK_PROCESS : 'check' HWS 'process' HWS -> pushMode(NAME_MODE);
CHECK_PROGRAM : 'check' HWS 'program' HWS -> pushMode(NAME_MODE);
CHECK_SYSTEM  : 'check' HWS 'system' HWS -> pushMode(NAME_MODE);
CHECK_OTHER   : 'check' HWS ('file' | 'fifo' | 'directory' | 'filesystem' | 'device' | 'host' | 'network') HWS
                -> pushMode(NAME_MODE);
// "check NAME": monit reads a check without a kind as a process check.
CHECK_BARE    : 'check' HWS -> type(CHECK_PROCESS), pushMode(NAME_MODE);
// "check" with nothing after it on the line: the parser reports it.
CHECK         : 'check';

GROUP     : 'group' HWS -> pushMode(GROUP_MODE);
GROUP_BARE: 'group' -> type(GROUP);  // no name follows on this line: the parser reports it
DEPENDS   : 'depend' 's'? HWS ('on' [ \t]*)? -> pushMode(DEPENDS_MODE);

PIDFILE   : 'pidfile';
MATCHING  : 'matching' | 'match';
PATH_KW   : 'path';
ADDRESS   : 'address';
INTERFACE : 'interface';
START     : 'start';
STOP      : 'stop';
RESTART   : 'restart' 's'?;
EXEC      : 'exec' 'ute'?;
IF        : 'if';
THEN      : 'then';
ELSE      : 'else';
FAILED    : 'failed';
SUCCEEDED : 'succeeded' | 'passed' | 'recovered';
NOT       : 'not';
EVERY     : 'every';
MODE      : 'mode';
ACTIVE    : 'active';
PASSIVE   : 'passive';
MANUAL    : 'manual';
ONREBOOT  : 'onreboot';
NOSTART   : 'nostart';
LASTSTATE : 'laststate';
TIMEOUT   : 'timeout';
UID       : 'uid';
GID       : 'gid';
ALERT     : 'alert';
NOALERT   : 'noalert';
UNMONITOR : 'unmonitor';
REPEAT    : 'repeat';
CYCLE     : 'cycle' 's'?;
SECONDS   : 'second' 's'? | 's';

NOISE : ( 'is' | 'as' | 'are' | 'for' | 'via' | 'on' | 'only' | 'with' | 'within' | 'without'
        | 'program' | 'programs' | 'and' | 'has' | 'using' | 'use' | 'the' | 'to' | 'sum' | 'than'
        | 'usage' | 'was' | 'times' | 'but' | 'of' | 'or' | 'does' | 'per' | 'in' | 'last'
        | 'rate' | 'capacity' | 'activity' | 'option' | 'options' ) -> channel(HIDDEN);

OP      : '>' | '<' | '>=' | '<=' | '==' | '!=' | '<>' | '=~' | '!=~';
EQ      : '=';
PERCENT : '%';
NUMBER  : [0-9]+ ('.' [0-9]+)?;
STRING  : '"' ~["]* '"' | '\'' ~[']* '\'';
// An opening quote that is never closed: runs to the end of the file (a closed STRING is
// always one character longer, so it wins whenever the quote is closed).
UNTERMINATED : '"' ~["]* | '\'' ~[']*;
PATH    : '/' NAMECHAR*;
WORD    : WORDSTART NAMECHAR*;
PUNCT   : [@:{}!];
ANY     : . -> type(BAD);

// After "check KIND": the service name, bare or quoted, possibly on the next line.
mode NAME_MODE;
NAME_WS      : [ \t\r\n]+ -> channel(HIDDEN);
SERVICE_NAME : NAMECHAR+ -> popMode;
QUOTED_NAME  : ('"' ~["\u0000-\u001f]+ '"' | '\'' ~['\u0000-\u001f]+ '\'') -> type(SERVICE_NAME), popMode;
NAME_BAD     : . -> type(BAD), popMode;

// After "group ": one group name on the same line.
mode GROUP_MODE;
GROUP_NAME   : NAMECHAR+ -> popMode;
QUOTED_GROUP : ('"' NAMECHAR+ '"' | '\'' NAMECHAR+ '\'') -> type(GROUP_NAME), popMode;
GROUP_BAD    : . -> type(BAD), popMode;

// After "depends on ": service names separated by commas; white space without a comma ends
// the list (as in monit, "depends on a b" is not a list of two).
mode DEPENDS_MODE;
DEP_NAME     : NAMECHAR+;
QUOTED_DEP   : ('"' ~["\u0000-\u001f]+ '"' | '\'' ~['\u0000-\u001f]+ '\'') -> type(DEP_NAME);
DEP_COMMA    : [ \t\r\n]* ',' [ \t\r\n]*;
DEP_END      : [ \t\r\n]+ -> channel(HIDDEN), popMode;
DEP_BAD      : . -> type(BAD), popMode;

// monit's {str}: anything printable but blank ! @ : { } " ' ; ( ) , %
fragment NAMECHAR  : ~[\u0000-\u0021@:{}"';(),%];
fragment WORDSTART : ~[\u0000-\u0021@:{}"';(),%/#<>=~];
fragment HWS       : [ \t]+;
