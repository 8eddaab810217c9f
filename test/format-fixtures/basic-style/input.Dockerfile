  from   node:20-alpine   as   build   
workdir /app
copy   package.json   package-lock.json   ./
run   npm ci   
expose 3000   
cmd npm start


from   node:20-alpine
