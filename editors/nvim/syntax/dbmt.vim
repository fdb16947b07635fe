" Vim syntax file
" Language:    dbmt (DBML plus % marks)
" Filenames:   *.dbmt
" The lexical forms of DBML and dbmt marks, for highlighting before (and without) the language
" server. When the server sends semantic tokens, Neovim draws them on top of these groups.

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn sync minlines=200

" -- comments ---------------------------------------------------------------------------------
syn keyword dbmtTodo contained TODO FIXME XXX NOTE
syn match   dbmtLineComment  "//.*$" contains=dbmtTodo,@Spell
syn region  dbmtBlockComment start="/\*" end="\*/" contains=dbmtTodo,@Spell

" -- strings: '''multi-line''', 'single line', "quoted name", `expression` ------------------------
syn match   dbmtEscape contained "\\\%(\r\?\n\|.\)"
" 'single' first: where both start, '''multi''' wins (the last definition wins).
syn region  dbmtString      start="'" skip="\\\\\|\\'" end="'" oneline contains=dbmtEscape,@Spell
syn region  dbmtMultiString start="'''" skip="\\\\\|\\'" end="'''" contains=dbmtEscape,@Spell
syn region  dbmtQuotedName  start=+"+ skip=+\\\\\|\\"+ end=+"+ oneline contains=dbmtEscape
syn region  dbmtExpression  start="`" skip="\\\\\|\\`" end="`" contains=dbmtEscape

" -- numbers and colours ------------------------------------------------------------------------------
syn match   dbmtNumber "\<\d\+\%(\.\d\+\)\=\%([eE][+-]\=\d\+\)\=\>"
syn match   dbmtColor  "#\x\{3,8}\>"

" -- marks: `%name` then arguments up to the end of the line, a `//` comment or `}` -------------
syn keyword dbmtMarkWord contained ALL_EXTS init write read public internal confidential restricted
syn match   dbmtMarkInt  contained "\<-\=\d\+\>"
syn match   dbmtMarkArg  contained "\<\h\w*\%(\.\h\w*\)*\>" contains=dbmtMarkWord
syn region  dbmtMarkLine matchgroup=dbmtMark start="%[a-z_][a-z0-9_]*"
      \ end="$\|\ze//\|\ze}" oneline
      \ contains=dbmtMarkArg,dbmtMarkInt,dbmtString,dbmtQuotedName

" -- elements (at the start of a line, or after `{`) -----------------------------------------
syn case ignore
syn match   dbmtElement "\%(^\|{\)\s*\zs\<\%(tablepartial\|tablegroup\|table\|enum\|ref\|project\|note\|records\|diagramview\|metadata\|dep\|indexes\|checks\)\>"
syn match   dbmtUse     "^\s*\zs\<\%(re\)\=use\>"
syn match   dbmtUseKind "\%(\<\%(re\)\=use\>.*\)\@<=\<\%(tablepartial\|tablegroup\|table\|enum\|note\|schema\)\>"
syn match   dbmtUseFrom "\%(\<\%(re\)\=use\>.*}\s*\)\@<=\<from\>"
syn match   dbmtAs      "\%(\<\%(table\|use\|reuse\|ref\)\>.*\S\s\+\)\@<=\<as\>\ze\s\+\S"
syn case match

" -- settings in [ … ] ----------------------------------------------------------------------------------
syn case ignore
syn keyword dbmtSetting contained pk increment unique null default note ref check name type
      \ delete update color headercolor
syn match   dbmtSetting contained "\<primary\s\+key\>"
syn match   dbmtSetting contained "\<not\s\+null\>"
syn keyword dbmtAction  contained cascade restrict
syn match   dbmtAction  contained "\<set\s\+\%(null\|default\)\>"
syn match   dbmtAction  contained "\<no\s\+action\>"
syn keyword dbmtBoolean contained true false
syn case match
syn region  dbmtSettings matchgroup=dbmtBracket start="\[" end="\]"
      \ contains=dbmtSetting,dbmtAction,dbmtBoolean,dbmtString,dbmtMultiString,dbmtQuotedName,
      \dbmtExpression,dbmtNumber,dbmtColor,dbmtOperator,dbmtLineComment,dbmtBlockComment

" -- relationship operators `< > - <>` and the optional forms `?>`, `<?` … ---------------------
syn match   dbmtOperator "\%(\s\|:\)\@<=?\=\%(<>\|[<>-]\)?\=\ze\s"

" -- TablePartial injection ------------------------------------------------------------------------
syn match   dbmtPartial "\~\h\w*"

" -- built-in column types (any type name is allowed; these are the common SQL ones) ---------------
syn case ignore
syn keyword dbmtType int integer bigint smallint tinyint serial bigserial smallserial
      \ varchar char character text string uuid bool boolean bit blob bytea binary varbinary
      \ float double real decimal numeric money date datetime timestamp timestamptz time timetz
      \ interval duration json jsonb xml inet cidr
syn case match

hi def link dbmtTodo          Todo
hi def link dbmtLineComment   Comment
hi def link dbmtBlockComment  Comment
hi def link dbmtEscape        SpecialChar
hi def link dbmtMultiString   String
hi def link dbmtString        String
hi def link dbmtQuotedName    Identifier
hi def link dbmtExpression    Special
hi def link dbmtNumber        Number
hi def link dbmtColor         Constant
hi def link dbmtMark          PreProc
hi def link dbmtMarkArg       Identifier
hi def link dbmtMarkInt       Number
hi def link dbmtMarkWord      Constant
hi def link dbmtElement       Structure
hi def link dbmtUse           Include
hi def link dbmtUseKind       Keyword
hi def link dbmtUseFrom       Include
hi def link dbmtAs            Keyword
hi def link dbmtSetting       Keyword
hi def link dbmtAction        Constant
hi def link dbmtBoolean       Boolean
hi def link dbmtBracket       Delimiter
hi def link dbmtOperator      Operator
hi def link dbmtPartial       Macro
hi def link dbmtType          Type

let b:current_syntax = 'dbmt'

let &cpo = s:cpo_save
unlet s:cpo_save
