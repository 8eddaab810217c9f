# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
RUN powershell -Command `
       Write-Host hi ; `
    Write-Host "keep  `
   this"

COPY app C:/app
