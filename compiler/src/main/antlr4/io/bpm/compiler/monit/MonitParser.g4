/*
 * A monit control file as BOSH jobs write it (jobs/JOB/monit, rendered from ERB):
 *
 *   check process web
 *     with pidfile /var/vcap/sys/run/bpm/web/web.pid
 *     start program "/var/vcap/jobs/bpm/bin/bpm start web" with timeout 60 seconds
 *     stop program "/var/vcap/jobs/bpm/bin/bpm stop web"
 *     group vcap
 *     depends on db, cache
 *     if totalmem > 1 GB for 3 cycles then restart
 *
 * The statements bpm cares about (pidfile, start/stop programs) are parsed precisely; the
 * others (if-rules, check file/host/program/system) are parsed for their shape only: an
 * if-rule is "if CONDITION then ACTION", and a condition is any run of words that does not
 * start a statement. That accepts every monit condition without copying monit's whole
 * grammar, and still catches the usual slips (a missing "then", a statement cut in two).
 * Noise words (with, as, for, program, ...) never reach the parser; see MonitLexer.g4.
 */
parser grammar MonitParser;

options { tokenVocab = MonitLexer; }

monitFile : check* EOF;

// As in monit, every kind of check but 'system' names its target right after its name.
check
    : CHECK_PROCESS serviceName processTarget statement*  # processCheck
    | CHECK_PROGRAM serviceName programTarget statement*  # programCheck
    | CHECK_OTHER serviceName otherTarget statement*      # otherCheck
    | CHECK_SYSTEM serviceName statement*                 # systemCheck
    ;

serviceName : SERVICE_NAME;

// monit wants the target right after the name: "check process NAME with pidfile PATH".
processTarget
    : PIDFILE (PATH | STRING)                # pidfileTarget
    | MATCHING (STRING | WORD | PATH)        # matchingTarget
    | PATH_KW (PATH | STRING)                # pathTarget
    ;

programTarget : PATH_KW (STRING | PATH) (TIMEOUT NUMBER SECONDS)?;

otherTarget : (PATH_KW | ADDRESS | INTERFACE) (PATH | STRING | WORD | NUMBER);

statement
    : startProgram
    | stopProgram
    | restartProgram
    | groupStatement
    | dependsStatement
    | ifRule
    | modeStatement
    | everyStatement
    | alertStatement
    | onrebootStatement
    ;

// "start program = "..."": 'program' is noise and '=' optional, as in monit.
startProgram   : START EQ? programString programOption*;
stopProgram    : STOP EQ? programString programOption*;
restartProgram : RESTART EQ? programString programOption*;

programString : STRING;

programOption
    : UID value
    | GID value
    | TIMEOUT NUMBER SECONDS
    ;

value : WORD | NUMBER | STRING;

groupStatement : GROUP GROUP_NAME;

dependsStatement : DEPENDS DEP_NAME (DEP_COMMA DEP_NAME)*;

modeStatement : MODE (ACTIVE | PASSIVE | MANUAL);

everyStatement : EVERY (NUMBER CYCLE | STRING);

alertStatement : (ALERT | NOALERT) atom+;

onrebootStatement : ONREBOOT (START | NOSTART | LASTSTATE);

ifRule : IF condition THEN action (ELSE IF condition THEN action)?;

condition : atom+;

// Anything that can be part of a condition: every token but those that start a statement
// or an action.
atom
    : WORD | NUMBER | STRING | PATH | OP | EQ | PERCENT | PUNCT
    | FAILED | SUCCEEDED | NOT | RESTART | CYCLE | SECONDS | TIMEOUT | PIDFILE | MATCHING
    | PATH_KW | ADDRESS | INTERFACE | UID | GID | ACTIVE | PASSIVE | MANUAL
    ;

action
    : ALERT
    | RESTART
    | START
    | STOP
    | UNMONITOR
    | EXEC programString execOption*
    ;

execOption
    : UID value
    | GID value
    | REPEAT EVERY NUMBER CYCLE
    ;
