-- *.dbmt is dbmt (DBML plus marks); *.dbml is plain DBML, which the same server checks with
-- DBML's own rules (a mark there is DBMT110).
vim.filetype.add({
  extension = {
    dbmt = 'dbmt',
    dbml = 'dbml',
  },
})
