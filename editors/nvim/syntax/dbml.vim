" Vim syntax file
" Language:    DBML
" Filenames:   *.dbml
" dbmt's syntax without marks: in a .dbml file `%` is only DBML's operator character (a mark
" there is the server's DBMT110).

if exists('b:current_syntax')
  finish
endif

runtime! syntax/dbmt.vim
unlet! b:current_syntax
syn clear dbmtMarkLine

let b:current_syntax = 'dbml'
