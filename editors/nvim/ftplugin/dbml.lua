-- DBML files get the same buffer options as dbmt files.
vim.cmd.runtime({ 'ftplugin/dbmt.lua', bang = false })
