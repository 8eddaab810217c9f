# escape=`
from mcr.microsoft.com/windows/servercore:ltsc2022  
run powershell -Command `
      Write-Host hi ; `
   Write-Host "keep  `
   this"


copy  app  C:/app
